"""receipts (issue 32): ``receipt_uses``, one row per receipt-link token that has answered
(its random id, the touchpoint, when, the rating), written in the answer's own transaction
so a token answers exactly once. The keys tokens are signed with live in ``meta``
(``receipt_key.N``, made when first needed), so they need no table.

Revision ID: 0025_receipts
Revises: 0024_comments
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_receipts"
down_revision = "0024_comments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_uses",
        sa.Column("token_id", sa.String(length=20), nullable=False),
        sa.Column("touchpoint", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.String(length=40), nullable=False),
        sa.Column("rating_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["touchpoint"], ["devices.id"]),
        sa.PrimaryKeyConstraint("token_id"),
    )


def downgrade() -> None:
    op.drop_table("receipt_uses")
