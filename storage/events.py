"""The change-event lifecycle: every read and write of ``ProcessedEvent`` and its status.

An event is recorded once under its dedupe key (``record_new``: the first delivery wins, every later
one is a duplicate), waits ``queued`` for the change handler, is held ``paused`` while its
installation cannot be worked on (``pause``, ``resume_paused``), and ends ``done`` (``mark_done``).
The watchdog finds events left queued too long (``stalled``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.statuses import EventStatus
from storage.tables import ProcessedEvent

# (event key, object type, record id, occurred at)
NewEvent = tuple[str, str, str, datetime | None]


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    id: int
    object_type: str
    record_id: str


def record_new(
    session: Session,
    installation_id: int,
    events: Sequence[NewEvent],
    status: EventStatus = EventStatus.QUEUED,
) -> list[str]:
    """Insert (key, object type, record id, occurred at) rows; return the keys not seen before.
    ``status``: ``PAUSED`` for an installation that cannot be worked on now, ``DONE`` for versions
    already handled (nothing is queued for them).

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` makes this safe between concurrent
    deliveries: only the request whose insert won sees the key come back.
    """
    unique: dict[str, NewEvent] = {}
    for event in events:
        unique.setdefault(event[0], event)
    if not unique:
        return []
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "installation_id": installation_id,
            "event_key": k,
            "object_type": o,
            "record_id": r,
            "occurred_at": t,
            "status": EventStatus(status).value,
        }
        for k, o, r, t in unique.values()
    ]
    statement = (
        maker(ProcessedEvent).values(rows).on_conflict_do_nothing().returning(ProcessedEvent.event_key)
    )
    inserted = set(session.scalars(statement))
    return [k for k in unique if k in inserted]


def known(session: Session, installation_id: int, keys: Sequence[str]) -> set[str]:
    """Which of these keys (a few hundred at most) are recorded already."""
    if not keys:
        return set()
    return set(
        session.scalars(
            select(ProcessedEvent.event_key).where(
                ProcessedEvent.installation_id == installation_id, ProcessedEvent.event_key.in_(list(keys))
            )
        )
    )


def pause(session: Session, installation_id: int) -> None:
    """Hold the installation's queued events while it cannot be worked on. Kept, never dropped:
    ``resume_paused`` queues them again."""
    session.execute(
        update(ProcessedEvent)
        .where(
            ProcessedEvent.installation_id == installation_id,
            ProcessedEvent.status == EventStatus.QUEUED.value,
        )
        .values(status=EventStatus.PAUSED.value)
    )


def resume_paused(session: Session, installation_id: int) -> list[str]:
    """Queue the installation's paused events again; return their keys, oldest first. The status
    flips in one statement by installation (no list of keys: PostgreSQL allows 65,535 parameters)."""
    paused = (
        ProcessedEvent.installation_id == installation_id,
        ProcessedEvent.status == EventStatus.PAUSED.value,
    )
    keys = list(session.scalars(select(ProcessedEvent.event_key).where(*paused).order_by(ProcessedEvent.id)))
    session.execute(update(ProcessedEvent).where(*paused).values(status=EventStatus.QUEUED.value))
    return keys


def claim_queued(session: Session, installation_id: int, limit: int) -> list[QueuedEvent]:
    """The oldest ``limit`` queued events of the installation (the caller holds its change lock, so
    no other handler takes them meanwhile)."""
    rows = session.execute(
        select(ProcessedEvent.id, ProcessedEvent.object_type, ProcessedEvent.record_id)
        .where(
            ProcessedEvent.installation_id == installation_id,
            ProcessedEvent.status == EventStatus.QUEUED.value,
        )
        .order_by(ProcessedEvent.id)
        .limit(limit)
    ).all()
    return [QueuedEvent(r.id, r.object_type, r.record_id) for r in rows]


def mark_done(session: Session, event_ids: Sequence[int]) -> None:
    """These events (ids from ``claim_queued``) are handled."""
    if event_ids:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.id.in_(list(event_ids)))
            .values(status=EventStatus.DONE.value)
        )


def count_queued(session: Session, installation_id: int) -> int:
    """How many events of the installation wait for the change handler."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ProcessedEvent)
            .where(
                ProcessedEvent.installation_id == installation_id,
                ProcessedEvent.status == EventStatus.QUEUED.value,
            )
        )
        or 0
    )


def stalled(session: Session, received_before: datetime) -> list[int]:
    """Installations with events still queued that arrived before ``received_before``."""
    return list(
        session.scalars(
            select(ProcessedEvent.installation_id)
            .where(
                ProcessedEvent.status == EventStatus.QUEUED.value,
                ProcessedEvent.received_at < received_before,
            )
            .distinct()
        )
    )


def take_over_notifications(
    session: Session, installation_id: int, object_type: str, record_ids: Sequence[str], key_prefix: str
) -> set[str]:
    """Drop the queued outbound-message events (keys starting ``key_prefix``) of records the poll has
    just recorded a version of; return their record ids. The poll's queued event reads the record
    later than either would have, so the change is still handled, once. (A worker already handling
    a dropped event only finds it gone when it marks it done.)"""
    if not record_ids:
        return set()
    gone = session.scalars(
        delete(ProcessedEvent)
        .where(
            ProcessedEvent.installation_id == installation_id,
            ProcessedEvent.object_type == object_type,
            ProcessedEvent.record_id.in_(list(record_ids)),
            ProcessedEvent.status == EventStatus.QUEUED.value,
            ProcessedEvent.event_key.startswith(key_prefix, autoescape=True),
        )
        .returning(ProcessedEvent.record_id)
    )
    return set(gone)
