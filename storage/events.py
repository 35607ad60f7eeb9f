"""Webhook event keys: the first delivery of an event is recorded, every later one is a duplicate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.tables import ProcessedEvent


def record_new(
    session: Session,
    installation_id: int,
    events: Sequence[tuple[str, str, str, datetime | None]],
    status: str = "queued",
) -> list[str]:
    """Insert (key, object type, record id, occurred at) rows; return the keys not seen before.
    ``status="done"`` records versions already handled (nothing is queued for them).

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` makes this safe between concurrent
    deliveries: only the request whose insert won sees the key come back.
    """
    unique: dict[str, tuple[str, str, str, datetime | None]] = {}
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
            "status": status,
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


NOTIFICATION_PREFIX = "sf-om:"


def take_over_notifications(
    session: Session, installation_id: int, object_type: str, record_ids: Sequence[str]
) -> set[str]:
    """Drop the queued outbound-message events of records the poll has just recorded a version of;
    return their record ids. The poll's queued event reads the record later than either would
    have, so the change is still handled, once. (A worker already handling a dropped event only
    finds it gone when it marks it done.)"""
    if not record_ids:
        return set()
    gone = session.scalars(
        delete(ProcessedEvent)
        .where(
            ProcessedEvent.installation_id == installation_id,
            ProcessedEvent.object_type == object_type,
            ProcessedEvent.record_id.in_(list(record_ids)),
            ProcessedEvent.status == "queued",
            ProcessedEvent.event_key.startswith(NOTIFICATION_PREFIX, autoescape=True),
        )
        .returning(ProcessedEvent.record_id)
    )
    return set(gone)
