"""fleet figures kept at ingest: device_received (each kiosk database's received count,
highest seq and newest recorded_at)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:10:00

Filled from the ratings HQ already has; from then on the ingest transaction keeps it, so
the fleet and store pages never count a device's ratings.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_received",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("database_id", sa.String(length=64), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_recorded_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("device_id", "database_id"),
    )
    op.execute(
        "INSERT INTO device_received (device_id, database_id, received, last_seq,"
        " last_recorded_at)"
        " SELECT device_id, database_id, COUNT(*), MAX(seq), MAX(recorded_at)"
        " FROM ratings GROUP BY device_id, database_id"
    )


def downgrade() -> None:
    op.drop_table("device_received")
