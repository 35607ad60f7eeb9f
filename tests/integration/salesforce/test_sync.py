"""The sync engine on Salesforce, in process: backfill of leads and contacts at 200 per write,
a re-run that writes nothing, human values kept, changes captured by polling and outbound
messages, leadq's own writes never coming back as changes, outcomes and retraining."""

from __future__ import annotations

import math

from sqlalchemy import select

from core.records import ObjectType
from sandbox.salesforce.outbound import envelope
from storage.tables import ProcessedEvent
from tests.support.salesforce import org_of, outbound_path
from workers.services.backfill import run_backfill
from workers.services.poll import poll_changes
from workers.services.sync import handle_changes


def _writes(crm, since: int):
    return [
        e
        for e in crm.requests.entries()[since:]
        if e.path.endswith("/composite/sobjects") and e.method == "PATCH"
    ]


def test_backfill_writes_at_200_and_a_rerun_writes_nothing(ctx, crm) -> None:
    org = org_of(crm)
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    human = next(r for r in org.live("Lead") if not r["IsConverted"] and r["OwnerId"] == org.admin_user_id)
    org.update("Lead", human["Id"], {"OwnerId": rep["Id"], "Rating": "Hot"}, rep["Id"], notify=False)
    before = len(crm.requests)
    totals = {}
    for obj in ctx.adapter.people_objects:
        progress, report = run_backfill(ctx, obj)
        assert progress.status == "done" and report.failed == 0
        totals[obj] = (progress.done, report.written_records)
    leads, contacts = totals[ObjectType.LEAD][0], totals[ObjectType.CONTACT][0]
    assert leads == sum(1 for r in org.live("Lead") if not r["IsConverted"]) and contacts == len(
        org.live("Contact")
    )
    writes = _writes(crm, before)
    assert len(writes) <= math.ceil(leads / 200) + math.ceil(contacts / 200) + 2
    assert max(len(w.body["records"]) for w in writes) <= 200
    scored = [r for r in org.live("Lead") if not r["IsConverted"]]
    assert all(r["LeadQ_Tier__c"] in ("L1", "L2", "L3", "L4") and r["LeadQ_Reasons__c"] for r in scored)
    assert org.get("Lead", human["Id"])["OwnerId"] == rep["Id"], "a rep's owner is never changed"
    routed = [r for r in scored if r["OwnerId"] != org.admin_user_id]
    assert len(routed) > len(scored) // 4, "unowned leads were routed to reps"
    # A re-run (resumed from scratch) finds every value in place: nothing is written.
    before = len(crm.requests)
    for obj in ctx.adapter.people_objects:
        progress, report = run_backfill(ctx, obj, restart=True)
        assert report.writes == 0
    assert _writes(crm, before) == []


def test_dry_run_writes_nothing(ctx, crm) -> None:
    before = len(crm.requests)
    progress, report = run_backfill(ctx, ObjectType.LEAD, dry_run=True)
    assert progress.status == "done" and report.written_records > 0
    assert _writes(crm, before) == []


def test_poll_rescores_a_rep_edit_and_drops_leadqs_own_writes(ctx, crm, sessions) -> None:
    org = org_of(crm)
    run_backfill(ctx, ObjectType.LEAD)
    first = poll_changes(ctx)  # the first poll sets the mark; the backfill's writes are echoes
    assert first.new == 0 and first.echoes > 0
    lead = next(r for r in org.live("Lead") if not r["IsConverted"] and r["LeadQ_Tier__c"] != "L1")
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    org.update(
        "Lead",
        lead["Id"],
        {
            "Title": "Chief Executive Officer",
            "NumberOfEmployees": 400,
            "Industry": "Computer Software",
            "Country": "United States",
        },
        rep["Id"],
    )
    found = poll_changes(ctx)
    assert found.new == 1
    report = handle_changes(ctx, window_s=0)
    assert report.scored == 1 and report.writes > 0
    after = org.get("Lead", lead["Id"])
    assert after["LeadQ_Scored_At__c"] and after["Title"] == "Chief Executive Officer"
    assert after["LastModifiedById"] == org.admin_user_id
    again = poll_changes(ctx)
    assert again.new == 0, "leadq's write-back is not a change to score again"
    with sessions() as session:
        assert {r.status for r in session.scalars(select(ProcessedEvent))} == {"done"}


def test_outbound_message_is_processed_at_once(client, ctx, crm) -> None:
    org = org_of(crm)
    lead = next(r for r in org.live("Lead") if not r["IsConverted"])
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    org.update("Lead", lead["Id"], {"Title": "VP Engineering"}, rep["Id"])
    fresh = org.get("Lead", lead["Id"])
    body = envelope(
        org.org_id,
        "04k000000000001AAA",
        crm.base_url,
        [
            (
                "04l000000000001AAA",
                "Lead",
                {"Id": fresh["Id"], "LastModifiedById": rep["Id"], "SystemModstamp": fresh["SystemModstamp"]},
            )
        ],
    )
    assert (
        client.post(outbound_path(client.application), data=body, content_type="text/xml").status_code == 200
    )
    report = handle_changes(ctx, window_s=0)
    assert report.scored == 1 and org.get("Lead", lead["Id"])["LeadQ_Tier__c"]
    assert poll_changes(ctx).new == 0, "the same record version seen by polling is not processed twice"
