"""people: one-time password links (invites and resets, kept as a hash), the forgotten-
password requests of the throttle, deactivated users, the TOTP second factor with
recovery codes, and who each user is at the chain's OpenID Connect provider

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.String(length=40), nullable=False),
        sa.Column("used_at", sa.String(length=40), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_password_links_username", "password_links", ["username"])
    op.create_table(
        "reset_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reset_requests_address", "reset_requests", ["address"])
    op.create_table(
        "second_factors",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("confirmed_at", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("last_step", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("required", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.String(length=40), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_recovery_codes_username", "recovery_codes", ["username"])
    op.create_table(
        "oidc_identities",
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "subject"),
    )
    op.create_index("ix_oidc_identities_username", "oidc_identities", ["username"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("deactivated_at", sa.String(length=40), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deactivated_at")
    op.drop_index("ix_oidc_identities_username", table_name="oidc_identities")
    op.drop_table("oidc_identities")
    op.drop_index("ix_recovery_codes_username", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("second_factors")
    op.drop_index("ix_reset_requests_address", table_name="reset_requests")
    op.drop_table("reset_requests")
    op.drop_index("ix_password_links_username", table_name="password_links")
    op.drop_table("password_links")
