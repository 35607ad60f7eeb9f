"""A user reassigns a lead while leadq is writing it (after leadq's read, before its collection
update): leadq's owner write hides the edit for a moment; the check after the write reads LeadHistory,
writes the user's owner back, and leadq leaves the owner alone afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage import events as event_store
from storage.tables import Feedback
from tests.support.salesforce import org_of
from workers.services.sync import handle_changes


def test_a_users_owner_change_between_read_and_write_survives(ctx, crm, sessions) -> None:
    org = org_of(crm)
    users = [u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id]
    rep, other = users[-1], users[0]
    lead = next(
        r
        for r in org.live("Lead")
        if not r["IsConverted"] and (r["OwnerId"] == org.admin_user_id or str(r["OwnerId"]).startswith("00G"))
    )
    # A user works on the lead (a change leadq hears about) ...
    org.update(
        "Lead",
        lead["Id"],
        {"Title": "Chief Executive Officer", "NumberOfEmployees": 400, "Industry": "Computer Software"},
        other["Id"],
    )
    with ctx.sessions.begin() as session:
        event_store.record_new(session, ctx.installation_id, [("c1", "lead", lead["Id"], datetime.now(UTC))])
    # ... and another user takes it over while leadq is scoring it.
    org.edits_before_write[lead["Id"]] = ("Lead", {"OwnerId": rep["Id"]}, rep["Id"])
    report = handle_changes(ctx, window_s=0)
    proposed = report.samples[0]["changes"]
    assert proposed["OwnerId"]["after"] != rep["Id"], "leadq must have routed it to someone else"
    assert report.restored == 1
    after = org.get("Lead", lead["Id"])
    assert after["OwnerId"] == rep["Id"], "the user's owner was lost"
    assert after["LeadQ_Tier__c"], "leadq's own fields are written"
    with sessions() as session:
        override = session.scalars(select(Feedback).where(Feedback.record_id == lead["Id"])).one()
    assert override.field_key == "OwnerId" and override.human_value == rep["Id"]
    # The next change leaves the owner alone.
    org.update("Lead", lead["Id"], {"Title": "Founder"}, other["Id"])
    with ctx.sessions.begin() as session:
        event_store.record_new(session, ctx.installation_id, [("c2", "lead", lead["Id"], datetime.now(UTC))])
    again = handle_changes(ctx, window_s=0)
    assert again.scored == 1 and again.restored == 0
    assert org.get("Lead", lead["Id"])["OwnerId"] == rep["Id"]
