"""enrol codes made in the browser: who made each code (``operator`` for the codes of the
command line, before and after) and when it was revoked (none were); an API token's role
(``analyst``, the read-only token every token was until now; ``manager`` and ``admin``
tokens manage enrol codes through the API).

Revision ID: 0014_enrol
Revises: 0013
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_enrol"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrol_codes") as batch:
        batch.add_column(
            sa.Column("made_by", sa.String(length=80), nullable=False, server_default="operator")
        )
        batch.add_column(sa.Column("revoked_at", sa.String(length=40), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="analyst")
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("role")
    with op.batch_alter_table("enrol_codes") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("made_by")
