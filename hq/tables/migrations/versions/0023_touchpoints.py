"""touchpoints (issue 32): a web link is a row of ``devices`` beside the kiosks, so every
figure, ranking, alert and report sees its answers through the tables they already read.
``devices.kind`` says which (``kiosk``, the default, or ``web``), ``devices.stage`` the
journey stage the admin set ('' unset) and ``devices.code`` a web link's short code
(``/r/<code>``; null for kiosks, unique). ``web_clients`` keeps, for a few minutes, a keyed
hash of each answering address and when it answered, so every HQ process flags a burst
and rate-limits alike (HQ keeps no state of its own between requests). ``rating_days``
gets a count of the new flag ``burst``; ``web_followups`` marks a web answer whose
second step (reason, words) was taken, so it is taken once.

Revision ID: 0023_touchpoints
Revises: 0022
Create Date: 2026-12-06 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_touchpoints"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE … ADD COLUMN and a unique index: SQLite need not copy devices
    # (which the ratings point at)
    op.add_column(
        "devices", sa.Column("kind", sa.String(length=8), server_default="kiosk", nullable=False)
    )
    op.add_column(
        "devices", sa.Column("stage", sa.String(length=32), server_default="", nullable=False)
    )
    op.add_column("devices", sa.Column("code", sa.String(length=16), nullable=True))
    op.create_index("ix_devices_code", "devices", ["code"], unique=True)
    op.create_table(
        "web_clients",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_clients_client_at", "web_clients", ["client", "at"])
    op.create_table(
        "web_followups",
        sa.Column("rating_id", sa.String(length=36), nullable=False),
        sa.Column("answered_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("rating_id"),
    )
    # a web answer in a burst from one address is kept and counted apart, like a repeat
    with op.batch_alter_table("rating_days") as batch:
        batch.add_column(sa.Column("burst", sa.BigInteger(), server_default="0", nullable=False))
    _day_index((*FLAGS, "burst"))
    conn = op.get_bind()
    counted = conn.execute(sa.text("SELECT 1 FROM rating_days LIMIT 1")).first()
    if counted is None and conn.execute(sa.text("SELECT 1 FROM ratings LIMIT 1")).first():
        # migrated from before 0008, whose counting waits for this column (see there)
        from sqlalchemy.orm import Session

        from hq.tables.rollups import rebuild

        rebuild(Session(bind=conn), questions=False)  # question_days: 0026 counts them


FLAGS = ("repeat", "lockout", "stuck", "closed", "time_suspect")


def _day_index(flags: tuple[str, ...]) -> None:
    """The all-stores page's index of ``rating_days``, read alone on PostgreSQL: with
    every count column, so again after one was added."""
    op.drop_index("ix_rating_days_day", table_name="rating_days")
    counts = [f"s{i}" for i in range(11)]
    op.create_index(
        "ix_rating_days_day",
        "rating_days",
        ["day", "store_id"],
        postgresql_include=["scale", *counts, *flags],
    )


def downgrade() -> None:
    _day_index(FLAGS)
    with op.batch_alter_table("rating_days") as batch:
        batch.drop_column("burst")
    op.drop_table("web_followups")
    op.drop_index("ix_web_clients_client_at", table_name="web_clients")
    op.drop_table("web_clients")
    op.drop_index("ix_devices_code", table_name="devices")
    for column in ("code", "stage", "kind"):  # SQLite 3.35+ drops a column in place
        op.drop_column("devices", column)
