"""A rep edits a field while leadq is writing it: the edit lands after leadq read the record and
before its batch write. leadq's write hides it for a moment; the check after the write finds it in
property history and writes the rep's value back, and from then on leadq leaves the field alone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage import events as event_store
from storage.tables import Feedback, LedgerEntry
from tests.support.hubspot import ui_edit
from workers.services.sync import handle_changes


def _queue(ctx, sessions, record_id: str, key: str) -> None:
    with sessions.begin() as session:
        event_store.record_new(session, ctx.installation_id, [(key, "contact", record_id, datetime.now(UTC))])


def _unowned_prospect(portal):
    return next(
        r
        for r in portal.live("contacts")
        if not r.props.get("hubspot_owner_id")
        and "@" in r.props.get("email", "")
        and "gmail" not in r.props["email"]
        and not r.props.get("leadq_tier")
    )


def test_a_reps_edit_between_leadqs_read_and_write_survives(ctx, crm, sessions):
    portal = crm.sandbox.portals[crm.portal_id]
    contact = _unowned_prospect(portal)
    rep = [o for o in portal.owners if not o["archived"]][-1]
    # The rep is working on the record (a fresh change: leadq is told by webhook) ...
    ui_edit(crm, "contacts", contact.id, {"jobtitle": "VP Revenue Operations", "numemployees": "100-500"})
    _queue(ctx, sessions, contact.id, "e1")
    # ... and, while leadq is scoring it, sets the owner and the tier by hand.
    hand = {"hubspot_owner_id": str(rep["id"]), "leadq_tier": "L1"}
    ui_edit(crm, "contacts", contact.id, hand, when="before-next-write")
    report = handle_changes(ctx, window_s=0)
    assert report.scored == 1 and report.writes > 0
    props = portal.get("contacts", contact.id).props
    assert props["hubspot_owner_id"] == str(rep["id"]), "the rep's owner was lost"
    assert props["leadq_tier"] == "L1", "the rep's tier was lost"
    assert props.get("leadq_reasons"), "leadq's other fields are written"
    proposed = report.samples[0]["changes"]
    assert proposed["hubspot_owner_id"]["after"] != str(rep["id"]), "leadq must have routed elsewhere"
    assert proposed["leadq_tier"]["after"] != "L1"
    assert report.restored == 2
    with sessions() as session:
        overrides = {
            f.field_key: f.human_value
            for f in session.scalars(select(Feedback).where(Feedback.record_id == contact.id))
        }
        claimed = {
            e.field_key: e.value
            for e in session.scalars(select(LedgerEntry).where(LedgerEntry.record_id == contact.id))
        }
    assert overrides["hubspot_owner_id"] == str(rep["id"]) and overrides["leadq_tier"] == "L1"
    # The ledger keeps leadq's own values: the CRM holding something else is what marks a person's edit.
    assert claimed["hubspot_owner_id"] == proposed["hubspot_owner_id"]["after"]
    assert claimed["leadq_tier"] == proposed["leadq_tier"]["after"]
    # Next change: leadq sees a person's values and keeps its hands off them.
    ui_edit(crm, "contacts", contact.id, {"jobtitle": "Chief Revenue Officer"})
    _queue(ctx, sessions, contact.id, "e2")
    crm.requests.clear()
    again = handle_changes(ctx, window_s=0)
    assert again.scored == 1 and again.restored == 0
    props = portal.get("contacts", contact.id).props
    assert props["hubspot_owner_id"] == str(rep["id"]) and props["leadq_tier"] == "L1"
    for entry in crm.requests.entries(lambda e: e.path.endswith("/contacts/batch/update")):
        for item in entry.body["inputs"]:
            assert "hubspot_owner_id" not in item["properties"] and "leadq_tier" not in item["properties"]


def test_without_a_race_the_check_restores_nothing(ctx, crm, sessions):
    portal = crm.sandbox.portals[crm.portal_id]
    contact = _unowned_prospect(portal)
    ui_edit(crm, "contacts", contact.id, {"jobtitle": "Head of Sales"})
    _queue(ctx, sessions, contact.id, "e1")
    crm.requests.clear()
    report = handle_changes(ctx, window_s=0)
    assert report.writes > 0 and report.restored == 0
    updates = crm.requests.entries(lambda e: e.path.endswith("/contacts/batch/update"))
    assert len(updates) == 1  # the write; no restoring write
    props = portal.get("contacts", contact.id).props
    assert props["leadq_tier"] and props["jobtitle"] == "Head of Sales"
