"""lead directory: who each scored record is (name, e-mail, company, domain, owner) for the Leads list

Revision ID: 0014_lead_directory
Revises: 0013_drop_sql_routing_state
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_lead_directory"
down_revision = "0013_drop_sql_routing_state"
branch_labels = None
depends_on = None


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), server_default="", nullable=False)


def upgrade() -> None:
    op.create_table(
        "lead_directory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        _text("name", 255),
        _text("email", 255),
        _text("company", 255),
        _text("domain", 255),
        _text("owner_id", 64),
        _text("owner_name", 255),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_lead_directory_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_directory")),
        sa.UniqueConstraint(
            "installation_id", "object_type", "record_id", name=op.f("uq_lead_directory_installation_id")
        ),
    )
    op.create_index("ix_lead_directory_name", "lead_directory", ["installation_id", "name"], unique=False)
    op.create_index("ix_lead_directory_company", "lead_directory", ["installation_id", "company"], unique=False)
    op.create_index("ix_lead_directory_owner", "lead_directory", ["installation_id", "owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lead_directory_owner", table_name="lead_directory")
    op.drop_index("ix_lead_directory_company", table_name="lead_directory")
    op.drop_index("ix_lead_directory_name", table_name="lead_directory")
    op.drop_table("lead_directory")
