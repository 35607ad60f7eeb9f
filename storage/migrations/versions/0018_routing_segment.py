"""routing decisions keep the lead's size segment: the performance step reads each rep's won/decided
record per segment from the outcomes joined with the routing log (``storage.rep_outcomes``)

Revision ID: 0018_routing_segment
Revises: 0017_monitoring
Create Date: 2026-12-04 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_routing_segment"
down_revision = "0017_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Decisions logged before this revision keep NULL: their segment is not known, so they do not
    # count towards a rep's record (see storage.rep_outcomes).
    with op.batch_alter_table("routing_decisions") as batch:
        batch.add_column(sa.Column("segment", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_column("segment")
