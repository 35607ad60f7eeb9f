"""Closed HubSpot leads as training outcomes of their contact: qualified is won, disqualified lost,
dated when the lead entered its closed stage (the stage's property history)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connector.hubspot.leads import HubSpotLeads
from core.records import CrmKind, ObjectType, OutcomeKind, RecordRef
from tests.unit.connector.hubspot.conftest import FakeHubSpot, Request
from tests.unit.connector.hubspot.shapes import LEADS, PIPELINES, assoc_path, batch, lead, links, pipelines


def _history(*entries: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"value": v, "timestamp": t, "sourceType": "CRM_UI", "sourceId": "userId:5"} for v, t in entries]


HISTORY = {
    "902": _history(
        ("qualified-stage-id", "2026-10-05T09:00:00.000Z"),  # saved again in the same stage
        ("qualified-stage-id", "2026-10-04T08:00:00.000Z"),  # entered here
        ("connected-stage-id", "2026-10-01T08:00:00.000Z"),
    ),
    "903": _history(
        ("unqualified-stage-id", "2026-09-30T12:30:00.000Z"), ("new-stage-id", "2026-09-01T00:00:00Z")
    ),
}


def _with_history(request: Request) -> tuple[int, Any]:
    rows = []
    for item in request.body["inputs"]:
        row = lead(item["id"], HISTORY[item["id"]][0]["value"])
        row["propertiesWithHistory"] = {"hs_pipeline_stage": HISTORY[item["id"]]}
        rows.append(row)
    return 200, batch(rows)


def test_closed_leads_are_won_or_lost_on_their_primary_contact_when_they_closed(
    hubspot: FakeHubSpot, leads: HubSpotLeads
) -> None:
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    hubspot.on(
        "GET",
        LEADS,
        (
            200,
            {
                "results": [lead("901", "connected-stage-id"), lead("902", "qualified-stage-id")],
                "paging": {"next": {"after": "902"}},
            },
        ),
        (200, {"results": [lead("903", "unqualified-stage-id")]}),
    )
    hubspot.on("POST", f"{LEADS}/batch/read", _with_history)
    hubspot.on(
        "POST",
        assoc_path("leads", "contacts"),
        (200, links({"902": [("7", 608), ("1", 578)], "903": [("2", 578)]})),
    )

    outcomes = sorted(leads.lead_outcomes(), key=lambda o: o.ref.record_id)

    def ref(obj: ObjectType, record_id: str) -> RecordRef:
        return RecordRef(CrmKind.HUBSPOT, "42", obj, record_id)

    won, lost = outcomes
    assert (won.ref, won.kind, won.source_ref, won.detail) == (
        ref(ObjectType.CONTACT, "1"),
        OutcomeKind.WON,
        ref(ObjectType.PIPELINE_LEAD, "902"),
        "lead qualified",
    )
    assert won.occurred_at == datetime(2026, 10, 4, 8, 0, tzinfo=UTC)
    assert (lost.ref, lost.kind, lost.detail) == (
        ref(ObjectType.CONTACT, "2"),
        OutcomeKind.LOST,
        "lead disqualified",
    )
    assert lost.occurred_at == datetime(2026, 9, 30, 12, 30, tzinfo=UTC)
    # Only the closed leads are read with their stage history; the open one (901) is not.
    (read,) = hubspot.sent("POST", f"{LEADS}/batch/read")
    assert [i["id"] for i in read.body["inputs"]] == ["902", "903"]
    assert read.body["propertiesWithHistory"] == ["hs_pipeline_stage"]


def test_a_portal_whose_lead_pipelines_have_no_closed_stage_has_no_lead_outcomes(
    hubspot: FakeHubSpot, leads: HubSpotLeads
) -> None:
    from tests.unit.connector.hubspot.shapes import pipeline, stage

    hubspot.on(
        "GET", PIPELINES, (200, pipelines(pipeline("p", 0, [stage("s1", "Open", 0, isClosed="false")])))
    )
    assert leads.lead_outcomes() == []
    assert [r.path for r in hubspot.requests] == [PIPELINES]
