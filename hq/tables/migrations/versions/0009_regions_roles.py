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
    # Not a batch (a copy of the table, then DROP TABLE stores): with SQLite's foreign keys
    # on, dropping a table that devices and ratings refer to fails. SQLite adds a nullable
    # column with its REFERENCES in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE stores ADD COLUMN region_id VARCHAR(64) REFERENCES regions (id)")
    else:
        op.add_column("stores", sa.Column("region_id", sa.String(length=64), nullable=True))
        op.create_foreign_key("fk_stores_region_id", "stores", "regions", ["region_id"], ["id"])
    op.create_index("ix_stores_region_id", "stores", ["region_id"])
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
    op.drop_index("ix_stores_region_id", table_name="stores")
    if op.get_bind().dialect.name == "sqlite":
        # The column has a REFERENCES, so SQLite copies the table (batch); its DROP TABLE
        # may leave devices pointing nowhere until the copy is back: checked at commit.
        op.execute("PRAGMA defer_foreign_keys = ON")
        with op.batch_alter_table("stores") as batch:
            batch.drop_column("region_id")
    else:
        op.drop_constraint("fk_stores_region_id", "stores", type_="foreignkey")
        op.drop_column("stores", "region_id")
    op.drop_table("regions")
