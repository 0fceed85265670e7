"""touchpoints (issue 32): a web link is a row of ``devices`` beside the kiosks, so every
figure, ranking, alert and report sees its answers through the tables they already read.
``devices.kind`` says which (``kiosk``, the default, or ``web``), ``devices.stage`` the
journey stage the admin set ('' unset) and ``devices.code`` a web link's short code
(``/r/<code>``; null for kiosks, unique). ``web_clients`` keeps, for a few minutes, a keyed
hash of each answering address and when it answered, so every HQ process flags a burst
and rate-limits alike (HQ keeps no state of its own between requests).

Revision ID: 0023_touchpoints
Revises: 0022
Create Date: 2026-12-06 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_touchpoints"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=8), server_default="kiosk", nullable=False)
        )
        batch.add_column(
            sa.Column("stage", sa.String(length=32), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("code", sa.String(length=16), nullable=True))
        batch.create_unique_constraint("uq_devices_code", ["code"])
    op.create_table(
        "web_clients",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_clients_client_at", "web_clients", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_web_clients_client_at", table_name="web_clients")
    op.drop_table("web_clients")
    with op.batch_alter_table("devices") as batch:
        batch.drop_constraint("uq_devices_code", type_="unique")
        batch.drop_column("code")
        batch.drop_column("stage")
        batch.drop_column("kind")
