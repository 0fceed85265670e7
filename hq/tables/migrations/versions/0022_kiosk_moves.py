"""kiosk moves: every kiosk's store from a time on (``device_stores``), so ingest takes
the ratings a moved kiosk recorded in its old store before it learnt of the move; every
kiosk there is gets its store now as its first row. And the publication each kept survey
came from (``surveys.publication_id``), so a store or kiosk that comes into a published
part of the chain later gets that survey when it asks: filled from the publications'
versions where the row still has the version a publication gave it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_stores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("since", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_device_stores_device", "device_stores", ["device_id", "store_id"])
    op.execute(
        "INSERT INTO device_stores (device_id, store_id, since)"
        " SELECT id, store_id, created_at FROM devices ORDER BY id"
    )
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("publication_id", sa.Integer(), nullable=True))
    conn = op.get_bind()
    surveys = sa.table(
        "surveys",
        sa.column("store_id", sa.String),
        sa.column("device_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("publication_id", sa.Integer),
    )
    published = conn.execute(sa.text("SELECT id, versions FROM survey_publications ORDER BY id"))
    for publication_id, versions in published.all():
        if isinstance(versions, str):  # SQLite hands JSON back as text here
            versions = json.loads(versions)
        for v in versions or []:
            conn.execute(
                surveys.update()
                .where(
                    surveys.c.store_id == v["store"],
                    surveys.c.device_id == v["device"],
                    surveys.c.version == v["version"],
                )
                .values(publication_id=publication_id)
            )


def downgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("publication_id")
    op.drop_index("ix_device_stores_device", table_name="device_stores")
    op.drop_table("device_stores")
