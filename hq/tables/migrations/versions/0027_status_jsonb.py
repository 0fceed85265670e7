"""status as jsonb (issue 31): on PostgreSQL, ``devices.last_status`` (a kiosk's last
heartbeat) becomes ``jsonb``. The fleet page tests five of its fields for every kiosk in
SQL; on ``json`` each test parsed the whole text again (300 ms for 20 000 kiosks), on
``jsonb`` it was parsed once, when it was written. SQLite keeps its JSON text.

Revision ID: 0027_status_jsonb
Revises: 0026_question_days
Create Date: 2026-12-06 06:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0027_status_jsonb"
down_revision = "0026_question_days"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE devices ALTER COLUMN last_status TYPE jsonb USING last_status::jsonb"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE devices ALTER COLUMN last_status TYPE json USING last_status::json")
