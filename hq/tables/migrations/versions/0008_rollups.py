"""rollups: the ratings counted per store, local day and hour, device, question version,
scale, score, flag and reason (rating_hours), and per store, local day and scale by score
and by flag (rating_days), kept at ingest for the figures; filled here from the ratings
already received

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False)


def upgrade() -> None:
    op.create_table(
        "rating_hours",
        _text("store_id", 64),
        _text("day", 10),
        sa.Column("hour", sa.Integer(), nullable=False),
        _text("device_id", 64),
        _text("survey_id", 64),
        _text("question_id", 64),
        sa.Column("config_version", sa.Integer(), nullable=False),
        _text("scale", 16),
        sa.Column("score", sa.Integer(), nullable=False),
        _text("flag", 16),
        _text("reason", 64),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "store_id", "day", "hour", "device_id", "survey_id", "question_id",
            "config_version", "scale", "score", "flag", "reason",
        ),
    )  # fmt: skip
    counts = [f"s{i}" for i in range(11)]
    flags = ["repeat", "lockout", "stuck", "closed", "time_suspect"]
    op.create_table(
        "rating_days",
        _text("store_id", 64),
        _text("day", 10),
        _text("scale", 16),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in [*counts, *flags]),
        sa.PrimaryKeyConstraint("store_id", "day", "scale"),
    )
    op.create_index(
        "ix_rating_days_day",
        "rating_days",
        ["day", "store_id"],
        postgresql_include=["scale", *counts, *flags],
    )
    # The counts of the ratings already here, by the code ingest keeps them with (local
    # days need each store's time zone, which SQLite cannot apply). That code writes the
    # count columns of today's rating_days; once a later migration added one (0023: burst),
    # it cannot write these, and that migration counts them instead.
    from hq.tables.rollups import DAY_COUNTS, rebuild

    if tuple(DAY_COUNTS) == (*counts, *flags):
        rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table("rating_days")
    op.drop_table("rating_hours")
