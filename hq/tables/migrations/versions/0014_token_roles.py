"""API tokens get a role: ``analyst`` (reads only, what every token was until now),
``manager`` (changes the stores of its scope) or ``admin`` (changes everything), so that a
chain can keep its configuration in code through the API.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="analyst")
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("role")
