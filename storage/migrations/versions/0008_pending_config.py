"""pending ICP and routing configuration (previewed before it is applied)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 13:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("installations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_icp_toml", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pending_routing_toml", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("installations", schema=None) as batch_op:
        batch_op.drop_column("pending_routing_toml")
        batch_op.drop_column("pending_icp_toml")
