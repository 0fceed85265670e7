"""kiosk moves: every kiosk's store from a time on (``device_stores``), so ingest takes
the ratings a moved kiosk recorded in its old store before it learnt of the move; every
kiosk there is gets its store now as its first row.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_stores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("since", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_device_stores_device", "device_stores", ["device_id", "store_id"])
    op.execute(
        "INSERT INTO device_stores (device_id, store_id, since)"
        " SELECT id, store_id, created_at FROM devices ORDER BY id"
    )


def downgrade() -> None:
    op.drop_index("ix_device_stores_device", table_name="device_stores")
    op.drop_table("device_stores")
