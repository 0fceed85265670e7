"""releases: the releases HQ holds (manifest and signature), the rollout steps that say
which devices should run which, and named groups of devices

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "rollouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["version"], ["releases.version"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "device_groups",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("name", "device_id"),
    )


def downgrade() -> None:
    op.drop_table("device_groups")
    op.drop_table("rollouts")
    op.drop_table("releases")
