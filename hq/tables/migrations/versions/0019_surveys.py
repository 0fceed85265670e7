"""The survey editor (issue 29): publications, campaigns and their targets, and
``surveys.issued``, the highest version number given out for a store or device (a
campaign takes its number from the same count without changing the standing survey's).
Existing versions are kept as they are.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("issued", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE surveys SET issued = version")
    op.create_table(
        "survey_publications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("survey", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
    )
    op.create_table(
        "survey_campaigns",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("survey", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.String(length=10), nullable=False),
        sa.Column("ends_on", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("cancelled_at", sa.String(length=40), nullable=True),
    )
    op.create_table(
        "survey_campaign_targets",
        sa.Column(
            "campaign_id", sa.Integer(), sa.ForeignKey("survey_campaigns.id"), primary_key=True
        ),
        sa.Column("store_id", sa.String(length=64), primary_key=True),
        sa.Column("device_id", sa.String(length=64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_survey_campaign_targets_store", "survey_campaign_targets", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_campaign_targets_store", table_name="survey_campaign_targets")
    op.drop_table("survey_campaign_targets")
    op.drop_table("survey_campaigns")
    op.drop_table("survey_publications")
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("issued")
