"""report subscriptions record their creator: the user whose access bounds the report
(checked again at every send), or the command line's operator. Reports already there
take the user they name in ``created_by``, even one removed since (so that such a report
stops, saying why); ``cli`` (the command line's default) is the operator unless a user
has that name.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_subscriptions") as batch:
        batch.add_column(
            sa.Column("creator", sa.String(length=80), nullable=False, server_default="")
        )
    op.execute(
        "UPDATE report_subscriptions SET creator = CASE"
        " WHEN created_by = 'cli' AND NOT EXISTS"
        " (SELECT 1 FROM users WHERE users.username = 'cli') THEN 'operator'"
        " ELSE 'user:' || created_by END"
    )


def downgrade() -> None:
    with op.batch_alter_table("report_subscriptions") as batch:
        batch.drop_column("creator")
