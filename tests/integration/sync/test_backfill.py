"""Backfill on the sandbox: API calls per record, idempotent re-run, dry-run preview, human values kept."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.tables import LedgerEntry, ScoreRow
from workers.services.backfill import preview_of, run_backfill


def _history_by_people(portal, prop: str) -> dict[str, str]:
    """Records whose newest value of ``prop`` was typed by a rep in the UI."""
    out = {}
    for record in portal.live("contacts"):
        entries = record.history.get(prop) or []
        if entries and entries[0]["sourceType"] == "CRM_UI":
            out[record.id] = entries[0]["value"]
    return out


def test_backfill_writes_scores_once_and_never_touches_what_a_person_set(ctx, crm, sessions):
    portal = crm.sandbox.portals[crm.portal_id]
    owners_set_by_reps = _history_by_people(portal, "hubspot_owner_id")
    assert owners_set_by_reps  # the seeded CRM has some
    crm.requests.clear()
    progress, _report = run_backfill(ctx)
    assert progress.status == "done" and progress.done == 400 and progress.total == 400
    contacts = portal.live("contacts")
    assert all(r.props.get("leadq_tier") in ("L1", "L2", "L3", "L4") for r in contacts)
    assert all(r.props.get("leadq_reasons") for r in contacts)
    for record_id, owner in owners_set_by_reps.items():  # a rep's owner was never changed
        assert portal.get("contacts", record_id).props["hubspot_owner_id"] == owner
    unowned_before = [
        r
        for r in contacts
        if r.history.get("hubspot_owner_id", [{}])[0].get("sourceType") == "INTEGRATION"
        and r.history["hubspot_owner_id"][0]["sourceId"] == str(crm.app_id)
    ]
    assert unowned_before  # leadq routed the leads nobody owned
    api = crm.requests.entries(lambda e: e.area in ("api", "search"))
    records = len(contacts) + len(portal.live("companies"))
    assert len(api) <= 2 * records / 100 + 5, (len(api), records)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScoreRow)) == 400
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) > 400 * 8

    crm.requests.clear()
    again, report_again = run_backfill(ctx, restart=True)
    assert report_again.writes == 0 and again.done == 400
    assert crm.requests.count(path_prefix="/crm/v3/objects/contacts/batch/update") == 0


def test_a_dry_run_writes_nothing_and_previews_every_field(ctx, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    before = {r.id: dict(r.props) for r in portal.live("contacts")}
    progress, _report = run_backfill(ctx, dry_run=True)
    assert progress.status == "done"
    assert {r.id: dict(r.props) for r in portal.live("contacts")} == before
    assert crm.requests.count(path_prefix="/crm/v3/objects/contacts/batch/update") == 0
    preview = preview_of(ctx)
    assert preview["fields"]["leadq_tier"]["fill"] == 400
    assert preview["fields"]["hubspot_owner_id"]["fill"] > 0  # unowned leads would be routed
    assert len(preview["samples"]) == 5 and preview["samples"][0]["changes"]["leadq_tier"]["before"] is None


def test_a_rep_editing_a_leadq_field_wins_and_is_recorded_as_feedback(ctx, crm, sessions):
    from sandbox.hubspot.store import Source
    from storage.tables import Feedback

    run_backfill(ctx)
    portal = crm.sandbox.portals[crm.portal_id]
    record = portal.live("contacts")[0]
    mine = "L1" if record.props["leadq_tier"] != "L1" else "L2"
    portal.update("contacts", record.id, {"leadq_tier": mine}, Source("CRM_UI", "userId:9000001", 9000001))
    run_backfill(ctx, restart=True)
    assert portal.get("contacts", record.id).props["leadq_tier"] == mine
    with sessions() as session:
        feedback = session.scalars(select(Feedback)).all()
    assert [(f.record_id, f.field_key, f.human_value) for f in feedback] == [(record.id, "leadq_tier", mine)]
