"""Backfill and preview runs as a whole (their cursors, ``name`` backfill or preview): the running
ones the watchdog looks at, the claim that reports a stalled one once, and starting a backfill over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.statuses import CursorStatus
from storage.tables import SyncCursor

BACKFILL, PREVIEW = "backfill", "preview"


@dataclass(frozen=True, slots=True)
class RunningBackfill:
    cursor_id: int
    installation_id: int
    name: str  # backfill or preview
    object_type: str
    updated_at: datetime  # as stored: what ``claim_stalled`` compares against

    @property
    def updated_utc(self) -> datetime:
        return self.updated_at if self.updated_at.tzinfo else self.updated_at.replace(tzinfo=UTC)


def running(session: Session) -> list[RunningBackfill]:
    """Every backfill and preview in progress, all installations."""
    rows = session.scalars(
        select(SyncCursor).where(
            SyncCursor.name.in_((BACKFILL, PREVIEW)), SyncCursor.status == CursorStatus.RUNNING.value
        )
    )
    return [RunningBackfill(r.id, r.installation_id, r.name, r.object_type, r.updated_at) for r in rows]


def claim_stalled(session: Session, run: RunningBackfill, now: datetime) -> bool:
    """Reset a stalled run's clock to ``now`` unless someone moved it since it was read: True for the
    one caller (of several watchdogs at once) that reports it."""
    claimed = session.execute(
        update(SyncCursor)
        .where(SyncCursor.id == run.cursor_id, SyncCursor.updated_at == run.updated_at)
        .values(updated_at=now)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def start_over(session: Session, installation_id: int) -> None:
    """The installation's next backfill starts from the beginning, not from a checkpoint."""
    session.execute(
        update(SyncCursor)
        .where(SyncCursor.installation_id == installation_id, SyncCursor.name == BACKFILL)
        .values(status=CursorStatus.IDLE.value)
    )
