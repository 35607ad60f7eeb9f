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

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from storage import cursors, installations
from storage import events as event_store
from storage.db import UNAVAILABLE, Redis, Sessions
from storage.heartbeats import claim_if_silent


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


def _worker_lost(client: Redis | None, lost_after_s: float | None, installation_id: int, name: str) -> bool:
    if client is None or lost_after_s is None:
        return False
    try:
        return claim_if_silent(client, installation_id, name, lost_after_s)
    except UNAVAILABLE:  # Redis down: the long stall rule still applies
        return False


def stalled_work(
    sessions: Sessions,
    stall_after_s: float,
    now: datetime | None = None,
    client: Redis | None = None,
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
        working = {i.id: i for i in installations.list_all(session) if i.status in installations.WORKING}
        lost: dict[tuple[int, str], bool] = {}
        for run in cursors.running_runs(session):
            installation = working.get(run.installation_id)
            if installation is None:
                continue
            key = (run.installation_id, run.name)
            if key not in lost:
                lost[key] = _worker_lost(client, lost_after_s, *key)
            if not lost[key]:
                if run.updated_utc >= before:
                    continue
                if not cursors.claim_stalled(session, run, now):  # another watchdog reported it just now
                    continue
            pending = bool(installation.pending_icp_toml or installation.pending_routing_toml)
            out.backfills.append(
                StalledBackfill(run.installation_id, run.object_type, run.name == cursors.PREVIEW, pending)
            )
        out.changes = sorted(i for i in event_store.stalled(session, before) if i in working)
    return out


def requeue_stalled(
    sessions: Sessions,
    stall_after_s: float,
    client: Redis | None,
    lost_after_s: float | None,
    backfill: Callable[[StalledBackfill], None],
    changes: Callable[[int], None],
) -> int:
    """Hand the stalled work ``stalled_work`` finds back to the workers (``backfill`` resumes one
    backfill, ``changes`` one installation's queued changes); how many were handed on."""
    work = stalled_work(sessions, stall_after_s, client=client, lost_after_s=lost_after_s)
    for item in work.backfills:
        backfill(item)
    for installation_id in work.changes:
        changes(installation_id)
    if work.backfills or work.changes:
        logging.getLogger(__name__).warning(
            "watchdog.requeued", extra={"backfills": len(work.backfills), "changes": len(work.changes)}
        )
    return len(work.backfills) + len(work.changes)
