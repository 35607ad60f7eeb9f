"""lead directory: a HubSpot Leads record's contact, label and stage

Revision ID: 0015_lead_directory_leads
Revises: 0014_lead_directory
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_lead_directory_leads"
down_revision = "0014_lead_directory"
branch_labels = None
depends_on = None

COLUMNS = (("person_id", 64), ("label", 64), ("stage", 64))


def upgrade() -> None:
    with op.batch_alter_table("lead_directory") as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=length), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("lead_directory") as batch:
        for name, _length in reversed(COLUMNS):
            batch.drop_column(name)
