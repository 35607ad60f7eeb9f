"""Read-only queries behind ``leadq status``: an installation's backfill and preview progress
and its held changes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.statuses import EventStatus
from storage.tables import ProcessedEvent, SyncCursor

PROGRESS_CURSORS = ("backfill", "preview")


def progress_cursors(session: Session, installation_id: int) -> list[SyncCursor]:
    """The installation's backfill and preview cursors, by object type then name."""
    return list(
        session.scalars(
            select(SyncCursor)
            .where(SyncCursor.installation_id == installation_id, SyncCursor.name.in_(PROGRESS_CURSORS))
            .order_by(SyncCursor.object_type, SyncCursor.name)
        )
    )


def held_changes(session: Session, installation_id: int) -> dict[EventStatus, int]:
    """How many change events wait for the worker (queued) or for the installation to work again
    (paused); a status with none is left out."""
    rows = session.execute(
        select(ProcessedEvent.status, func.count())
        .where(
            ProcessedEvent.installation_id == installation_id,
            ProcessedEvent.status.in_((EventStatus.QUEUED, EventStatus.PAUSED)),
        )
        .group_by(ProcessedEvent.status)
    ).all()
    return {EventStatus(status): count for status, count in rows}
