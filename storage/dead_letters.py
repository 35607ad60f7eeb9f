"""Dead letters: one open row per failing record, updated on each new failure, grouped by cause.

A partial unique index (installation, object type, record id where not resolved) guarantees one
open row per record, and the insert is an upsert against that index, so two tasks that fail the
same record at the same moment update one row instead of adding two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.records import FieldUpdate, RecordRef
from storage.failure_causes import Cause, cause_of, describe, fix_hint, shared_values
from storage.tables import DeadLetter, utcnow

CHUNK = 200  # rows per upsert statement: well under SQLite's bound-parameter limit
OPEN = DeadLetter.resolved_at.is_(None)


class Refusal(Protocol):
    """A record the CRM refused (``connector.base.RecordError`` has this shape)."""

    @property
    def ref(self) -> RecordRef: ...
    @property
    def reason(self) -> str: ...
    @property
    def message(self) -> str: ...


def record_outcome(
    session: Session,
    installation_id: int,
    written: Sequence[FieldUpdate],
    failed: Sequence[Refusal],
    sent: Sequence[FieldUpdate],
) -> None:
    """Record a write's failures (one open row per record, updated if there is one) and resolve the
    open rows of the records it wrote without any failure."""
    refused = {(e.ref.object_type.value, e.ref.record_id) for e in failed}
    resolve(
        session,
        installation_id,
        {(u.ref.object_type.value, u.ref.record_id) for u in written} - refused,
    )
    if not failed:
        return
    fields: dict[tuple[str, str], dict[str, Any]] = {}
    for u in sent:
        fields.setdefault((u.ref.object_type.value, u.ref.record_id), {})[u.key] = u.value
    now = utcnow()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for e in failed:  # one row per record even if the adapter reported it twice
        key = (e.ref.object_type.value, e.ref.record_id)
        rows[key] = {
            "installation_id": installation_id,
            "object_type": key[0],
            "record_id": key[1],
            "reason": e.reason[:64],
            "message": e.message,
            "payload": {"fields": fields.get(key, {})},
            "attempts": 1,
            "created_at": now,
            "last_failed_at": now,
        }
    values = [rows[key] for key in sorted(rows)]  # one order for every task: no lock-order deadlock
    for start in range(0, len(values), CHUNK):
        session.execute(_upsert(session), values[start : start + CHUNK])


def _upsert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DeadLetter)
    return statement.on_conflict_do_update(
        index_elements=[DeadLetter.installation_id, DeadLetter.object_type, DeadLetter.record_id],
        index_where=OPEN,
        set_={
            "reason": statement.excluded.reason,
            "message": statement.excluded.message,
            "payload": statement.excluded.payload,
            "last_failed_at": statement.excluded.last_failed_at,
            "attempts": DeadLetter.attempts + 1,
        },
    )


def resolve(session: Session, installation_id: int, keys: Iterable[tuple[str, str]]) -> int:
    """Mark the open dead letters of these (object type, record id) pairs resolved."""
    by_type: dict[str, list[str]] = {}
    for object_type, record_id in keys:
        by_type.setdefault(object_type, []).append(record_id)
    resolved = 0
    now = utcnow()
    for object_type, ids in by_type.items():
        for start in range(0, len(ids), CHUNK):
            result = session.execute(
                update(DeadLetter)
                .where(
                    DeadLetter.installation_id == installation_id,
                    DeadLetter.object_type == object_type,
                    DeadLetter.record_id.in_(ids[start : start + CHUNK]),
                    OPEN,
                )
                .values(resolved_at=now)
                .execution_options(synchronize_session=False)
            )
            resolved += result.rowcount or 0  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult
    return resolved


def open_rows(session: Session, installation_id: int) -> list[DeadLetter]:
    return list(
        session.scalars(
            select(DeadLetter)
            .where(DeadLetter.installation_id == installation_id, OPEN)
            .order_by(DeadLetter.id)
        )
    )


def failing_records(session: Session, installation_id: int) -> int:
    """How many distinct records are failing (not how many rows an old database may still hold)."""
    distinct = (
        select(DeadLetter.object_type, DeadLetter.record_id)
        .where(DeadLetter.installation_id == installation_id, OPEN)
        .distinct()
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(distinct)) or 0


@dataclass(frozen=True)
class FailingRecord:
    object_type: str
    record_id: str
    reason: str
    message: str
    attempts: int
    last_failed_at: datetime | None


@dataclass(frozen=True)
class CauseGroup:
    """Records that fail for the same cause."""

    number: int  # 1 = the largest group; what `leadq errors N --cause` and the admin link take
    text: str  # e.g. "hubspot_owner_id INVALID_OWNER_ID (60071397 is not a valid owner id)"
    reason: str
    hint: str | None  # set where retrying cannot fix the cause
    records: tuple[FailingRecord, ...]

    @property
    def count(self) -> int:
        return len(self.records)

    def examples(self, n: int = 3) -> list[str]:
        return [r.record_id for r in self.records[:n]]


def group_failures(session: Session, installation_id: int) -> list[CauseGroup]:
    """The open dead letters grouped by cause, largest group first; one entry per record."""
    members: dict[tuple[object, ...], list[tuple[Cause, FailingRecord]]] = {}
    seen: set[tuple[str, str]] = set()
    columns = select(
        DeadLetter.object_type,
        DeadLetter.record_id,
        DeadLetter.reason,
        DeadLetter.message,
        DeadLetter.payload,
        DeadLetter.attempts,
        DeadLetter.last_failed_at,
        DeadLetter.created_at,
    )
    rows = session.execute(
        columns.where(DeadLetter.installation_id == installation_id, OPEN).order_by(DeadLetter.id.desc())
    )
    for row in rows:  # newest first: a duplicate an old database may still hold loses
        if (row.object_type, row.record_id) in seen:
            continue
        seen.add((row.object_type, row.record_id))
        cause = cause_of(row.reason, row.message, row.record_id, (row.payload or {}).get("fields"))
        record = FailingRecord(
            row.object_type,
            row.record_id,
            row.reason,
            row.message,
            row.attempts,
            row.last_failed_at or row.created_at,
        )
        members.setdefault(cause.key, []).append((cause, record))
    ordered = sorted(members.values(), key=lambda m: (-len(m), str(m[0][0].key)))
    groups = []
    for number, group in enumerate(ordered, start=1):
        causes = [c for c, _r in group]
        records = sorted((r for _c, r in group), key=lambda r: (r.object_type, _id_order(r.record_id)))
        groups.append(
            CauseGroup(
                number,
                describe(causes[0], shared_values(causes)),
                causes[0].reason,
                fix_hint(causes[0]),
                tuple(records),
            )
        )
    return groups


def _id_order(record_id: str) -> tuple[int, int | str]:
    return (0, int(record_id)) if record_id.isdigit() else (1, record_id)
