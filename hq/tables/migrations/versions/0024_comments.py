"""comments: the words a web answer came with (issue 32), kept only after personal data
was removed, one per rating at most, with the topics the matcher found and the words that
matched them, and who last edited the topics by hand.

Revision ID: 0024_comments
Revises: 0023_touchpoints
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_comments"
down_revision = "0023_touchpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("rating_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("topics_edited_by", sa.String(length=80), nullable=True),
        sa.Column("topics_edited_at", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["rating_id"], ["ratings.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("rating_id"),
    )
    op.create_index("ix_comments_store_created", "comments", ["store_id", "created_at"])
    op.create_index("ix_comments_device_created", "comments", ["device_id", "created_at"])
    op.create_index("ix_comments_created", "comments", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_comments_created", table_name="comments")
    op.drop_index("ix_comments_device_created", table_name="comments")
    op.drop_index("ix_comments_store_created", table_name="comments")
    op.drop_table("comments")
