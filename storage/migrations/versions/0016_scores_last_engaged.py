"""scores: when the record last engaged, as read when it was scored (re-qualification compares it)

Revision ID: 0016_scores_last_engaged
Revises: 0015_lead_directory_leads
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_scores_last_engaged"
down_revision = "0015_lead_directory_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scores") as batch:
        batch.add_column(sa.Column("last_engaged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scores") as batch:
        batch.drop_column("last_engaged_at")
