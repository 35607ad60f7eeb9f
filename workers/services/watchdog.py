"""Lost work, found from the database: what the watchdog requeues.

Tasks live in the broker; progress lives in the database. If the broker loses a task (Redis
restarted without persistence, a continuation that could not be published, a task that failed for
good), the database still says what is unfinished: a backfill cursor that is ``running`` but has not
checkpointed for a while, or change events still ``queued`` long after they arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from leadq.storage import installations
from leadq.storage.tables import Installation, ProcessedEvent, SyncCursor


@dataclass(frozen=True, slots=True)
class StalledBackfill:
    installation_id: int
    object_type: str
    dry_run: bool
    pending: bool


@dataclass
class StalledWork:
    backfills: list[StalledBackfill] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)  # installations with old queued events


def stalled_work(
    sessions: sessionmaker[Session], stall_after_s: float, now: datetime | None = None
) -> StalledWork:
    """Unfinished work that has not moved for ``stall_after_s``. A stalled cursor's clock is reset as
    it is reported, so one stall is requeued once per period, not on every watchdog run."""
    now = now or datetime.now(UTC)
    before = now - timedelta(seconds=stall_after_s)
    out = StalledWork()
    with sessions.begin() as session:
        working = {
            i.id: i for i in session.scalars(select(Installation)) if i.status in installations.WORKING
        }
        rows = session.scalars(
            select(SyncCursor).where(
                SyncCursor.name.in_(("backfill", "preview")),
                SyncCursor.status == "running",
                SyncCursor.updated_at < before,
            )
        ).all()
        for row in rows:
            installation = working.get(row.installation_id)
            if installation is None:
                continue
            pending = bool(installation.pending_icp_toml or installation.pending_routing_toml)
            out.backfills.append(
                StalledBackfill(row.installation_id, row.object_type, row.name == "preview", pending)
            )
            session.execute(update(SyncCursor).where(SyncCursor.id == row.id).values(updated_at=now))
        queued = session.scalars(
            select(ProcessedEvent.installation_id)
            .where(ProcessedEvent.status == "queued", ProcessedEvent.received_at < before)
            .distinct()
        ).all()
        out.changes = sorted(i for i in queued if i in working)
    return out
