"""write-offs: ranges of a kiosk database's ratings an admin marked as lost for good, with
the reason (issue 30); completeness counts them as lost instead of missing.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "write_offs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(length=64), sa.ForeignKey("devices.id"), nullable=False),
        sa.Column("database_id", sa.String(length=64), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("first_at", sa.String(length=40), nullable=True),
        sa.Column("last_at", sa.String(length=40), nullable=True),
        sa.Column("written_by", sa.String(length=80), nullable=False),
        sa.Column("written_at", sa.String(length=40), nullable=False),
    )
    op.create_index("ix_write_offs_device_id", "write_offs", ["device_id"])


def downgrade() -> None:
    op.drop_index("ix_write_offs_device_id", table_name="write_offs")
    op.drop_table("write_offs")
