"""oauth nonces

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:28:06.031051
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oauth_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_oauth_nonces'))
    )


def downgrade() -> None:
    op.drop_table('oauth_nonces')
