"""question days (issue 31): ``question_days``, the question versions each store asked on
each local day (store, day, scale, survey, question, config version) with their counted
ratings, kept at ingest beside ``rating_hours`` so the rankings' question check reads a
row or two per store-day instead of every hour × kiosk × score row. Filled here from
``rating_hours``' counted rows (``flag`` ``""``), which hold the same counts.

Revision ID: 0026_question_days
Revises: 0025_receipts
Create Date: 2026-12-06 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_question_days"
down_revision = "0025_receipts"
branch_labels = None
depends_on = None

KEYS = "store_id, day, scale, survey_id, question_id, config_version"


def upgrade() -> None:
    op.create_table(
        "question_days",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("survey_id", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "store_id", "day", "scale", "survey_id", "question_id", "config_version"
        ),
    )
    op.execute(
        f"INSERT INTO question_days ({KEYS}, n)"  # noqa: S608 -- fixed names
        f" SELECT {KEYS}, sum(n) FROM rating_hours WHERE flag = ''"
        f" GROUP BY {KEYS} HAVING sum(n) > 0"
    )


def downgrade() -> None:
    op.drop_table("question_days")
