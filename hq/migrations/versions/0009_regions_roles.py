"""regions and roles: stores in a tree of regions; users with a role (admin, analyst,
manager) over a scope (the chain, a region or a store) and an e-mail address; API tokens
scoped the same way. Users already there keep what they had: admin over the whole chain.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=64), sa.ForeignKey("regions.id"), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
    )
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("region_id", sa.String(length=64), nullable=True))
        batch.create_foreign_key("fk_stores_region_id", "regions", ["region_id"], ["id"])
        batch.create_index("ix_stores_region_id", ["region_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="analyst")
        )
        batch.add_column(_text("scope", 80))
        batch.add_column(_text("email", 254))
    op.execute("UPDATE users SET role = 'admin'")
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(_text("scope", 80))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scope")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
        batch.drop_column("scope")
        batch.drop_column("role")
    with op.batch_alter_table("stores") as batch:
        batch.drop_index("ix_stores_region_id")
        batch.drop_constraint("fk_stores_region_id", type_="foreignkey")
        batch.drop_column("region_id")
    op.drop_table("regions")
