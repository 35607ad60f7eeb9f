"""monitoring (issue 19): outcomes kept in leadq's store, each score's inputs and priority, what a
routing decision weighed (pool, probability, weights, multiplier) and when the record was created
and first worked, alarms, and an installation's alarm webhook (encrypted)

Revision ID: 0017_monitoring
Revises: 0016_scores_last_engaged
Create Date: 2026-12-04 20:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_monitoring"
down_revision = "0016_scores_last_engaged"
branch_labels = None
depends_on = None

OPEN = "cleared_at IS NULL"
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "installation_id",
            sa.Integer(),
            sa.ForeignKey(
                "installations.id", ondelete="CASCADE", name="fk_outcomes_installation_id_installations"
            ),
            nullable=False,
        ),
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("occurred_at", Stamp, nullable=False),
        sa.Column("recorded_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outcomes"),
        sa.UniqueConstraint(
            "installation_id", "object_type", "record_id", name="uq_outcomes_installation_id"
        ),
    )
    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "installation_id",
            sa.Integer(),
            sa.ForeignKey(
                "installations.id", ondelete="CASCADE", name="fk_alarms_installation_id_installations"
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False, server_default=""),
        sa.Column("cause", sa.Text(), nullable=False, server_default=""),
        sa.Column("check_hint", sa.Text(), nullable=False, server_default=""),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("since", Stamp, nullable=True),
        sa.Column("raised_at", Stamp, nullable=False),
        sa.Column("last_seen_at", Stamp, nullable=False),
        sa.Column("cleared_at", Stamp, nullable=True),
        sa.Column("notified_at", Stamp, nullable=True),
        sa.Column("clear_notified_at", Stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alarms"),
    )
    op.create_index(
        "uq_alarms_open",
        "alarms",
        ["installation_id", "kind", "subject"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    with op.batch_alter_table("scores") as batch:
        batch.add_column(sa.Column("priority", sa.Float(), nullable=True))
        batch.add_column(sa.Column("inputs", sa.JSON(), nullable=True))
    op.create_index("ix_scores_time", "scores", ["installation_id", "scored_at"])
    with op.batch_alter_table("routing_decisions") as batch:
        batch.add_column(sa.Column("pool", sa.String(64), nullable=True))
        batch.add_column(sa.Column("probability", sa.Float(), nullable=True))
        batch.add_column(sa.Column("multiplier", sa.Float(), nullable=True))
        batch.add_column(sa.Column("weights", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("record_created_at", Stamp, nullable=True))
        batch.add_column(sa.Column("first_touch_at", Stamp, nullable=True))
    op.create_index("ix_routing_time", "routing_decisions", ["installation_id", "decided_at"])
    with op.batch_alter_table("installations") as batch:
        batch.add_column(sa.Column("alarm_webhook_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Not through batch mode: on SQLite that copies and drops the installations table, and with
    # foreign keys on, dropping it deletes every row that references it (ON DELETE CASCADE).
    # SQLite (3.35+) and PostgreSQL both drop a plain column in place.
    op.execute("ALTER TABLE installations DROP COLUMN alarm_webhook_ciphertext")
    op.drop_index("ix_routing_time", table_name="routing_decisions")
    with op.batch_alter_table("routing_decisions") as batch:
        for column in ("first_touch_at", "record_created_at", "weights", "multiplier", "probability", "pool"):
            batch.drop_column(column)
    op.drop_index("ix_scores_time", table_name="scores")
    with op.batch_alter_table("scores") as batch:
        batch.drop_column("inputs")
        batch.drop_column("priority")
    op.drop_index("uq_alarms_open", table_name="alarms")
    op.drop_table("alarms")
    op.drop_table("outcomes")
