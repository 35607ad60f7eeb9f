"""score confidence as a word

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:40:28.926582
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidence_reason', sa.Text(), server_default='', nullable=False))
        batch_op.alter_column('confidence',
               existing_type=sa.FLOAT(),
               type_=sa.String(length=8),
               existing_nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.alter_column('confidence',
               existing_type=sa.String(length=8),
               type_=sa.FLOAT(),
               existing_nullable=False)
        batch_op.drop_column('confidence_reason')

