"""drop the SQL routing-state tables: Redis holds the routing state (SqlRoutingState was never used)

Revision ID: 0013_drop_sql_routing_state
Revises: 0012_admin_sessions
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_drop_sql_routing_state"
down_revision = "0012_admin_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("routing_week_counts")
    op.drop_table("routing_pools")
    op.drop_table("routing_pool_counts")
    op.drop_table("routing_loads")


def downgrade() -> None:
    op.create_table('routing_loads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('open_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_routing_loads_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_loads')),
    sa.UniqueConstraint('installation_id', 'rep_id', name=op.f('uq_routing_loads_installation_id'))
    )
    op.create_table('routing_pool_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('pool', sa.String(length=32), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_routing_pool_counts_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_pool_counts')),
    sa.UniqueConstraint('installation_id', 'pool', 'rep_id', name=op.f('uq_routing_pool_counts_installation_id'))
    )
    op.create_table('routing_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('pool', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_routing_pools_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_pools')),
    sa.UniqueConstraint('installation_id', 'pool', name=op.f('uq_routing_pools_installation_id'))
    )
    op.create_table('routing_week_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_routing_week_counts_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_week_counts')),
    sa.UniqueConstraint('installation_id', 'week', 'rep_id', name=op.f('uq_routing_week_counts_installation_id'))
    )
