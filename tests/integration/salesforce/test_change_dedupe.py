"""One change of a record, seen both by an outbound message (SOAP: ``...000Z``) and by the poll
(SOQL: ``...000+0000``), in either order, is processed once: one event, one score, one write."""

from __future__ import annotations

from sqlalchemy import func, select

from sandbox.salesforce.outbound import envelope
from storage.tables import ProcessedEvent, ScoreRow
from tests.support.salesforce import org_of, outbound_path
from workers.services.poll import poll_changes
from workers.services.sync import handle_changes


def _outbound(client, crm, record: dict, n: int) -> None:
    values = {k: record[k] for k in ("Id", "LastModifiedById", "SystemModstamp")}
    body = envelope(
        crm.org_id, "04k000000000001AAA", crm.base_url, [(f"04l00000000{n:04d}AAA", "Lead", values)]
    )
    response = client.post(
        outbound_path(client.application), data=body, content_type="text/xml; charset=utf-8"
    )
    assert response.status_code == 200 and b"<Ack>true</Ack>" in response.data


def _count(sessions, table, record_id: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(table).where(table.record_id == record_id))


def _writes(crm, record_id: str) -> int:
    return sum(
        1
        for e in crm.requests.entries(
            lambda e: e.path.endswith("/composite/sobjects") and e.method == "PATCH"
        )
        for r in e.body["records"]
        if r["id"] == record_id
    )


def test_a_change_seen_by_outbound_message_and_poll_is_processed_once(
    client, ctx, crm, sessions, enqueued
) -> None:
    org = org_of(crm)
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    first, second = [r for r in org.live("Lead") if not r["IsConverted"]][:2]
    poll_changes(ctx)  # sets the poll's mark
    for lead in (first, second):
        org.update("Lead", lead["Id"], {"Title": "VP Revenue Operations"}, rep["Id"], notify=False)
    # The first lead's change arrives by outbound message, then the poll finds it too ...
    _outbound(client, crm, org.get("Lead", first["Id"]), 1)
    found = poll_changes(ctx)
    # ... the second's is found by the poll first, then the outbound message arrives.
    _outbound(client, crm, org.get("Lead", second["Id"]), 2)
    assert found.seen >= 2 and found.new == 1, "the poll counted the outbound message's change again"
    for lead in (first, second):
        assert _count(sessions, ProcessedEvent, lead["Id"]) == 1, "one change, one event"
    report = handle_changes(ctx, window_s=0)
    assert report.scored == 2
    for lead in (first, second):
        assert org.get("Lead", lead["Id"])["LeadQ_Tier__c"], "leadq's fields are written"
        assert _count(sessions, ScoreRow, lead["Id"]) == 1
        assert _writes(crm, lead["Id"]) == 1
    assert handle_changes(ctx, window_s=0).scored == 0, "nothing is left to process"
