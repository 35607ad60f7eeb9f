"""outbound secrets: the per-installation secret of the Salesforce outbound-message endpoint

Installations from before this revision have no secret: one is made the first time the admin app
shows the installation (or at the next install), and until then their outbound messages get 404
(the poll still finds every change).

Revision ID: 0011_outbound_secrets
Revises: 0010_dead_letters
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_outbound_secrets"
down_revision = "0010_dead_letters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_secrets",
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=16), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_outbound_secrets_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("installation_id", name=op.f("pk_outbound_secrets")),
        sa.UniqueConstraint("handle", name=op.f("uq_outbound_secrets_handle")),
    )


def downgrade() -> None:
    op.drop_table("outbound_secrets")
