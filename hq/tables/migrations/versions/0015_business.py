"""business_hours: a store's transactions, sales, footfall and staff per hour, imported
from the chain's own systems (CSV or the API), beside the ratings' kept counts.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_hours",
        sa.Column("store_id", sa.String(length=64), sa.ForeignKey("stores.id"), nullable=False),
        sa.Column("starts_at", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=True),
        sa.Column("sales_cents", sa.BigInteger(), nullable=True),
        sa.Column("footfall", sa.Integer(), nullable=True),
        sa.Column("staff", sa.Float(), nullable=True),
        sa.Column("imported_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "starts_at"),
    )
    op.create_index("ix_business_hours_store_day", "business_hours", ["store_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_business_hours_store_day", table_name="business_hours")
    op.drop_table("business_hours")
