"""alerts set up in the browser and the API: a channel belongs to a part of the chain
(``scope``: "" an admin's, ``region:ID`` or ``store:ID`` a manager's), and an API token
has a role (``analyst`` reads, as every token did; ``manager`` and ``admin`` may also set
up alert rules and channels within their scope).

Revision ID: 0014_alerts
Revises: 0013
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_alerts"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_channels") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(length=80), nullable=False, server_default="")
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="analyst")
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("role")
    with op.batch_alter_table("alert_channels") as batch:
        batch.drop_column("scope")
