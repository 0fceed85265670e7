"""user language: the language a dashboard user reads the pages in (fi, sv or en; empty
for the browser's choice)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
