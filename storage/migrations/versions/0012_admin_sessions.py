"""admin sessions held server side (logout, password change and removal end them; absolute expiry)

Revision ID: 0012_admin_sessions
Revises: 0011_outbound_secrets
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_admin_sessions"
down_revision = "0011_outbound_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("selector", sa.String(length=32), nullable=False),
        sa.Column("verifier_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"], ["admins.id"], name=op.f("fk_admin_sessions_admin_id_admins"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sessions")),
        sa.UniqueConstraint("selector", name=op.f("uq_admin_sessions_selector")),
    )
    op.create_index("ix_admin_sessions_admin", "admin_sessions", ["admin_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_admin_sessions_admin", table_name="admin_sessions")
    op.drop_table("admin_sessions")
