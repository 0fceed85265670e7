"""scheduled reports: subscriptions (a store's or a region's report after every finished
day, week or month, in one language, to users and e-mail addresses) and the copies of the
period being sent that have gone out

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("last_period", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("last_sent_at", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("claimed_until", sa.String(length=40), nullable=False, server_default=""),
    )
    op.create_table(
        "report_deliveries",
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("report_subscriptions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("period", sa.String(length=10), primary_key=True),
        sa.Column("address", sa.String(length=254), primary_key=True),
        sa.Column("sent_at", sa.String(length=40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_deliveries")
    op.drop_table("report_subscriptions")
