"""The write ledger: what leadq last wrote to each field of each record, and when."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.records import FieldUpdate
from storage.tables import LedgerEntry


def for_records(
    session: Session, installation_id: int, records: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, str | None]]:
    """(object type, record id) -> {field: value leadq last wrote}."""
    out: dict[tuple[str, str], dict[str, str | None]] = defaultdict(dict)
    by_type: dict[str, list[str]] = defaultdict(list)
    for object_type, record_id in dict.fromkeys(records):
        by_type[object_type].append(record_id)
    # One object type per query: "object_type = ? AND record_id IN (...)" walks the unique index;
    # a row-value IN on both columns made SQLite scan every entry of the installation per batch.
    for object_type, ids in by_type.items():
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(LedgerEntry.record_id, LedgerEntry.field_key, LedgerEntry.value).where(
                    LedgerEntry.installation_id == installation_id,
                    LedgerEntry.object_type == object_type,
                    LedgerEntry.record_id.in_(ids[start : start + 500]),
                )
            )
            for record_id, key, value in rows:
                out[(object_type, record_id)][key] = value
    return out


def record_writes(
    session: Session,
    installation_id: int,
    updates: Sequence[FieldUpdate],
    versions: Mapping[tuple[str, str], str] | None = None,
) -> None:
    """Upsert one row per (record, field) with the value just written; ``versions``: (object type,
    record id) -> the version leadq read before writing."""
    if not updates:
        return
    now = datetime.now(UTC)
    rows = {}
    for u in updates:
        rows[(u.ref.object_type.value, u.ref.record_id, u.key)] = {
            "installation_id": installation_id,
            "object_type": u.ref.object_type.value,
            "record_id": u.ref.record_id,
            "field_key": u.key,
            "value": u.value,
            "record_version": (versions or {}).get((u.ref.object_type.value, u.ref.record_id), ""),
            "written_at": now,
        }
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = maker(LedgerEntry)
    statement = statement.on_conflict_do_update(
        index_elements=["installation_id", "object_type", "record_id", "field_key"],
        set_={
            "value": statement.excluded.value,
            "record_version": statement.excluded.record_version,
            "written_at": statement.excluded.written_at,
        },
    )
    # One compiled statement for every row (SQLAlchemy sends them as multi-row batches): a statement
    # built with the rows inside is compiled afresh each time, the bulk of a big backfill's time.
    session.execute(statement, list(rows.values()))
