"""enrol codes made in the browser: who made each code (``operator`` for the codes of the
command line, before and after) and when it was revoked (none were).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrol_codes") as batch:
        batch.add_column(
            sa.Column("made_by", sa.String(length=80), nullable=False, server_default="operator")
        )
        batch.add_column(sa.Column("revoked_at", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrol_codes") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("made_by")
