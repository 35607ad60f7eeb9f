"""The watchdog finds lost work in the database: backfills that stopped checkpointing and change
events left queued; it reports a stalled backfill once per stall period, and never a paused tenant's."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from core.records import CrmKind
from storage import installations
from storage.heartbeats import heartbeat_key, redis_now
from storage.tables import ProcessedEvent, SyncCursor
from workers.services.heartbeat import backfill_heartbeat
from workers.services.watchdog import stalled_work


def test_stalled_backfills_and_old_queued_changes_are_found_once(sessions):
    now = datetime.now(UTC)
    old = now - timedelta(minutes=30)
    with sessions.begin() as session:
        live = installations.upsert_installation(session, CrmKind.HUBSPOT, "live")
        paused = installations.upsert_installation(session, CrmKind.HUBSPOT, "paused")
        paused.status = "needs_reauth"
        session.flush()
        for inst in (live, paused):
            session.add(
                SyncCursor(installation_id=inst.id, object_type="contact", name="backfill", status="running")
            )
            session.add(
                ProcessedEvent(installation_id=inst.id, event_key="k", status="queued", received_at=old)
            )
        session.add(SyncCursor(installation_id=live.id, object_type="lead", name="backfill", status="done"))
        session.add(
            ProcessedEvent(installation_id=live.id, event_key="fresh", status="queued", received_at=now)
        )
        live_id = live.id
    with sessions.begin() as session:
        session.execute(update(SyncCursor).values(updated_at=old))
    work = stalled_work(sessions, stall_after_s=600, now=now)
    assert [(b.installation_id, b.object_type, b.dry_run) for b in work.backfills] == [
        (live_id, "contact", False)
    ]
    assert work.changes == [live_id]
    again = stalled_work(sessions, stall_after_s=600, now=now + timedelta(seconds=60))
    assert again.backfills == [], "reported once per stall period, not on every run"
    later = stalled_work(sessions, stall_after_s=600, now=now + timedelta(seconds=700))
    assert [b.installation_id for b in later.backfills] == [live_id]


@pytest.mark.redis
def test_f8_a_silent_heartbeat_is_requeued_once_and_a_queued_continuation_never(sessions, redis_client):
    """A backfill whose task beat and fell silent (its worker died) is requeued long before the stall
    rule, once; one between two tasks (no heartbeat: its continuation waits in a busy queue) is not;
    one whose task is beating is not."""
    with sessions.begin() as session:
        dead = installations.upsert_installation(session, CrmKind.HUBSPOT, "dead-worker")
        waiting = installations.upsert_installation(session, CrmKind.HUBSPOT, "queued-continuation")
        alive = installations.upsert_installation(session, CrmKind.HUBSPOT, "beating")
        session.flush()
        for inst in (dead, waiting, alive):
            session.add(
                SyncCursor(installation_id=inst.id, object_type="contact", name="backfill", status="running")
            )
        ids = dead.id, waiting.id, alive.id
    now = redis_now(redis_client)
    redis_client.set(heartbeat_key(ids[0], "backfill"), f"{now - 45:.3f}")  # silent for 45 s
    redis_client.set(heartbeat_key(ids[2], "backfill"), f"{now - 1:.3f}")
    work = stalled_work(sessions, stall_after_s=900, client=redis_client, lost_after_s=30)
    assert [(b.installation_id, b.object_type) for b in work.backfills] == [(ids[0], "contact")]
    again = stalled_work(sessions, stall_after_s=900, client=redis_client, lost_after_s=30)
    assert again.backfills == [], "requeued once: the silent heartbeat is claimed"


def test_f8_the_heartbeat_beats_while_the_task_runs_and_is_gone_after(redis_client):
    key = heartbeat_key(7, "preview")
    with backfill_heartbeat(redis_client, 7, "preview", every_s=0.2):
        first = float(redis_client.get(key))
        time.sleep(0.7)
        assert float(redis_client.get(key)) > first, "refreshed while the task runs"
    assert redis_client.get(key) is None, "a task that ended (done, handed on, retrying) leaves no beat"
