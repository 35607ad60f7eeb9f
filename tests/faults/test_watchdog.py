"""The watchdog finds lost work in the database: backfills that stopped checkpointing and change
events left queued; it reports a stalled backfill once per stall period, and never a paused tenant's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from leadq.records import CrmKind
from leadq.storage import installations
from leadq.storage.tables import ProcessedEvent, SyncCursor
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
