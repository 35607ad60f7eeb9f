"""routing state and decision status

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:16:25.381744
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    with op.batch_alter_table('routing_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_owner_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sla_due', sa.DateTime(timezone=True), nullable=True))
        # Existing decisions were assigned; the server default fills them in.
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='assigned'))



def downgrade() -> None:
    with op.batch_alter_table('routing_decisions', schema=None) as batch_op:
        batch_op.drop_column('status')
        batch_op.drop_column('sla_due')
        batch_op.drop_column('previous_owner_id')

    op.drop_table('routing_week_counts')
    op.drop_table('routing_pools')
    op.drop_table('routing_pool_counts')
    op.drop_table('routing_loads')
