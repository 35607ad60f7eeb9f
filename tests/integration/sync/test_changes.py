"""Changes coalesce: events for several records share one batch read and one batch write."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage import events as event_store
from storage.tables import ProcessedEvent
from workers.services.sync import handle_changes


def test_queued_changes_are_read_and_written_in_one_batch(ctx, crm, sessions):
    portal = crm.sandbox.portals[crm.portal_id]
    ids = [r.id for r in portal.live("contacts")[:30]]
    with sessions.begin() as session:
        event_store.record_new(
            session, ctx.installation_id, [(f"k{i}", "contact", i, datetime.now(UTC)) for i in ids]
        )
    crm.requests.clear()
    report = handle_changes(ctx, window_s=0.2)
    assert report.scored == 30 and report.written_records == 30
    # One read of the 30 people; their companies are re-scored from all their people, so one more
    # batch read fetches the colleagues, one reads the companies and one their associations.
    assert crm.requests.count(path_prefix="/crm/v3/objects/contacts/batch/read") == 2
    assert crm.requests.count(path_prefix="/crm/v3/objects/companies/batch/read") == 1
    assert crm.requests.count(path_prefix="/crm/v3/objects/contacts/batch/update") == 1
    assert report.accounts_scored > 0
    assert crm.requests.count(path_prefix="/crm/v3/objects/companies/batch/update") == 1
    with sessions() as session:
        assert {e.status for e in session.scalars(select(ProcessedEvent))} == {"done"}
    assert handle_changes(ctx, window_s=0).scored == 0  # nothing left: a second task finds no work
