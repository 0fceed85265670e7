"""enrolment: enrol codes (hashed), failed enrol tries for the throttle, how and when each
device was added, staff PINs (hashed) set at HQ for a store or one device

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:00:00

Devices that exist already are recorded as added with ``add-device`` on the day they were
made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrol_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_enrol_codes_hash"),
    )
    op.create_table(
        "enrol_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_enrol_failures_address_at", "enrol_failures", ["address", "at"])
    op.create_table(
        "device_enrolments",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("added_how", sa.String(length=16), nullable=False),
        sa.Column("enrolled_at", sa.String(length=40), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.execute(
        "INSERT INTO device_enrolments (device_id, added_how, enrolled_at)"
        " SELECT id, 'add-device', created_at FROM devices"
    )
    op.create_table(
        "staff_pins",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("store_id", "device_id"),
    )


def downgrade() -> None:
    op.drop_table("staff_pins")
    op.drop_table("device_enrolments")
    op.drop_index("ix_enrol_failures_address_at", table_name="enrol_failures")
    op.drop_table("enrol_failures")
    op.drop_table("enrol_codes")
