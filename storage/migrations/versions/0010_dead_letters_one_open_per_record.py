"""dead letters: one open row per failing record (collapse duplicates), last failure time

Before this revision every failed retry added a new open dead letter for the same record (330
failing records became 660, then 991 rows). The duplicates are collapsed into the newest row, whose
``attempts`` becomes the number of failures they stood for, and a partial unique index keeps it so.

Revision ID: 0010_dead_letters
Revises: 0009 (reconcile runs)
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_dead_letters"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN = "resolved_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE dead_letters SET attempts = ("
        " SELECT count(*) FROM dead_letters AS same"
        " WHERE same.installation_id = dead_letters.installation_id"
        " AND same.object_type = dead_letters.object_type"
        " AND same.record_id = dead_letters.record_id"
        f" AND same.{OPEN}"
        f") WHERE {OPEN}"
    )
    op.execute(
        f"DELETE FROM dead_letters WHERE {OPEN} AND id NOT IN ("
        f" SELECT newest FROM (SELECT max(id) AS newest FROM dead_letters WHERE {OPEN}"
        " GROUP BY installation_id, object_type, record_id) AS kept)"
    )
    op.execute("UPDATE dead_letters SET last_failed_at = created_at WHERE last_failed_at IS NULL")
    op.create_index(
        "uq_dead_letters_open_record",
        "dead_letters",
        ["installation_id", "object_type", "record_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("uq_dead_letters_open_record", table_name="dead_letters")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_column("last_failed_at")
