"""Lost work, found from the database: what the watchdog requeues.

Tasks live in the broker; progress lives in the database. If the broker loses a task (Redis
restarted without persistence, a continuation that could not be published, a task that failed for
good), the database still says what is unfinished: a backfill cursor that is ``running`` but has not
checkpointed for a while, or change events still ``queued`` long after they arrived.

A worker that dies mid-task (SIGKILL, out of memory) is found sooner: its backfill task's heartbeat
(``workers.services.heartbeat``) falls silent, and after ``worker_lost_after_s`` the backfill is
requeued, whichever broker is in use (RabbitMQ returns the task by itself as soon as the dead worker's
connection drops; Redis only after its visibility timeout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage import installations
from storage.tables import Installation, ProcessedEvent, SyncCursor
from workers.services.heartbeat import claim_if_silent


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


def _worker_lost(
    client: redis.Redis | None, lost_after_s: float | None, installation_id: int, name: str
) -> bool:
    if client is None or lost_after_s is None:
        return False
    try:
        return claim_if_silent(client, installation_id, name, lost_after_s)
    except redis.RedisError:  # Redis down: the long stall rule still applies
        return False


def stalled_work(
    sessions: sessionmaker[Session],
    stall_after_s: float,
    now: datetime | None = None,
    client: redis.Redis | None = None,
    lost_after_s: float | None = None,
) -> StalledWork:
    """Unfinished work that has not moved for ``stall_after_s``, and (given ``client``) running
    backfills whose task's heartbeat has been silent for ``lost_after_s``. A stalled cursor's clock is
    reset as it is reported, with a conditional update, so one stall is requeued once per period even
    with several watchdogs running at once."""
    now = now or datetime.now(UTC)
    before = now - timedelta(seconds=stall_after_s)
    out = StalledWork()
    with sessions.begin() as session:
        working = {
            i.id: i for i in session.scalars(select(Installation)) if i.status in installations.WORKING
        }
        rows = session.scalars(
            select(SyncCursor).where(
                SyncCursor.name.in_(("backfill", "preview")), SyncCursor.status == "running"
            )
        ).all()
        lost: dict[tuple[int, str], bool] = {}
        for row in rows:
            installation = working.get(row.installation_id)
            if installation is None:
                continue
            key = (row.installation_id, row.name)
            if key not in lost:
                lost[key] = _worker_lost(client, lost_after_s, *key)
            updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
            if not lost[key]:
                if updated >= before:
                    continue
                claimed = session.execute(
                    update(SyncCursor)
                    .where(SyncCursor.id == row.id, SyncCursor.updated_at == row.updated_at)
                    .values(updated_at=now)
                )
                # another watchdog reported it just now
                if claimed.rowcount != 1:  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult
                    continue
            pending = bool(installation.pending_icp_toml or installation.pending_routing_toml)
            out.backfills.append(
                StalledBackfill(row.installation_id, row.object_type, row.name == "preview", pending)
            )
        queued = session.scalars(
            select(ProcessedEvent.installation_id)
            .where(ProcessedEvent.status == "queued", ProcessedEvent.received_at < before)
            .distinct()
        ).all()
        out.changes = sorted(i for i in queued if i in working)
    return out
