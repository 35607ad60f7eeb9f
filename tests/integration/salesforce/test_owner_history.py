"""A person reassigns a lead between leadq's read and its write, on an org that records owner
changes as real orgs do (``Field = 'Owner'``, one row of ids and one of names): with a real worker,
the person's owner is what Salesforce holds afterwards, and leadq records the override."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.tables import Feedback, Installation, ProcessedEvent
from tests.support import salesforce as salesforce_support
from tests.support.salesforce import install, org_of, outbound_path
from tests.support.sync import OPEN_VERDICTS, start_worker, wait_until, worker_env

# Fixtures shared with other test files (tests/support).
live = salesforce_support.live
served = salesforce_support.served


def _routing(owner_id: str) -> str:
    """Every scored lead goes to this one rep, so leadq's write always carries an owner."""
    return (
        f'[pools]\nL1 = "all"\nL2 = "all"\nL3 = "all"\n\n[[reps]]\nowner_id = "{owner_id}"\nname = "Router"\n'
    )


def _owner_writes(running, record_id: str) -> list[str]:
    return [
        r["OwnerId"]
        for e in running.requests.entries(
            lambda e: e.path.endswith("/composite/sobjects") and e.method == "PATCH"
        )
        for r in e.body["records"]
        if r["id"] == record_id and "OwnerId" in r
    ]


@pytest.mark.redis
def test_a_persons_owner_change_between_read_and_write_stands(served, live, sessions) -> None:

    settings, url, app = served
    saved, salesforce_support.PUBLIC = salesforce_support.PUBLIC, url
    try:
        install(app.test_client(), live)
    finally:
        salesforce_support.PUBLIC = saved
    org = org_of(live)
    users = [u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id]
    leadqs_rep, colleague, person = users[0], users[1], users[-1]
    with sessions.begin() as session:
        row = session.scalars(select(Installation)).one()
        row.routing_toml, row.icp_toml = _routing(leadqs_rep["Id"]), OPEN_VERDICTS  # the lead goes to a rep
    lead = next(r for r in org.live("Lead") if not r["IsConverted"] and r["OwnerId"] == org.admin_user_id)
    live.sandbox.outbound.configure(
        org.org_id,
        url + outbound_path(app),
        {"Lead": ["LastModifiedById", "SystemModstamp"]},
    )
    # The person takes the lead over while leadq is scoring it: after leadq's read, before its write.
    org.edits_before_write[lead["Id"]] = ("Lead", {"OwnerId": person["Id"]}, person["Id"])
    worker = start_worker(worker_env(settings), "changes")
    try:
        # A colleague's edit is the change leadq hears about (by outbound message).
        org.update(
            "Lead",
            lead["Id"],
            {"Title": "Chief Executive Officer", "NumberOfEmployees": 400, "Industry": "Computer Software"},
            colleague["Id"],
        )

        def settled() -> bool:
            with sessions() as session:
                statuses = {e.status for e in session.scalars(select(ProcessedEvent))}
            return live.sandbox.outbound.idle() and statuses == {"done"}

        assert wait_until(lambda: bool(org.get("Lead", lead["Id"]).get("LeadQ_Tier__c")), 60), "not scored"
        assert wait_until(settled, 60), "the worker did not finish"
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    assert lead["Id"] not in org.edits_before_write, "the person's edit landed inside leadq's write"
    assert _owner_writes(live, lead["Id"])[0] == leadqs_rep["Id"], "leadq's write carried its own owner"
    after = org.get("Lead", lead["Id"])
    assert after["OwnerId"] == person["Id"], "the person's owner was overwritten"
    assert after["LeadQ_Tier__c"] and after["LeadQ_Reasons__c"], "leadq's own fields are written"
    with sessions() as session:
        overrides = session.scalars(select(Feedback).where(Feedback.record_id == lead["Id"])).all()
    assert [(o.field_key, o.human_value, o.leadq_value) for o in overrides] == [
        ("OwnerId", person["Id"], leadqs_rep["Id"])
    ]
