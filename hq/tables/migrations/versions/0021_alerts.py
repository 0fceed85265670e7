"""alerts set up in the browser and the API: a channel belongs to a part of the chain
(``scope``: "" an admin's, ``region:ID`` or ``store:ID`` a manager's); users subscribe
to alerts
(``alert_subscriptions``), and a rule may also go to the managers of the store
(``notify_managers``); an alert has an owner and a due day.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.UniqueConstraint("username", "kind", "scope"),
    )
    op.create_index("ix_alert_subscriptions_username", "alert_subscriptions", ["username"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("owner", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("due", sa.String(length=10), nullable=False, server_default=""))
    with op.batch_alter_table("alert_rules") as batch:
        batch.add_column(
            sa.Column("notify_managers", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("alert_channels") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(length=80), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("due")
        batch.drop_column("owner")
    with op.batch_alter_table("alert_rules") as batch:
        batch.drop_column("notify_managers")
    op.drop_index("ix_alert_subscriptions_username", table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")
    with op.batch_alter_table("alert_channels") as batch:
        batch.drop_column("scope")
