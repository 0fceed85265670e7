"""kiosk databases: ratings.database_id and time_suspect, seq unique per database,
device_databases

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:40:00

Ratings HQ already has came from kiosks that did not name their databases; they go in
the database ``legacy``, which those kiosks keep using for the file they had (their
numbering goes on there), so no gap appears.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("database_id", sa.String(length=64), nullable=False, server_default="legacy")
        )
        batch_op.add_column(
            sa.Column("time_suspect", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint("uq_ratings_device_seq", type_="unique")
        batch_op.create_unique_constraint(
            "uq_ratings_device_db_seq", ["device_id", "database_id", "seq"]
        )
    op.create_table(
        "device_databases",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("database_id", sa.String(length=64), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("held_reason", sa.String(length=500), nullable=True),
        sa.Column("oldest_pending_at", sa.String(length=40), nullable=True),
        sa.Column("held_at", sa.JSON(), nullable=True),
        sa.Column("reported_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("device_id", "database_id"),
    )


def downgrade() -> None:
    op.drop_table("device_databases")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ratings_device_db_seq", type_="unique")
        batch_op.create_unique_constraint("uq_ratings_device_seq", ["device_id", "seq"])
        batch_op.drop_column("time_suspect")
        batch_op.drop_column("database_id")
