"""Creating HubSpot leads: the batch create body (properties, the contact and company associations,
the default pipeline's first stage), 100 a call, a refused batch split to name the bad records with
HubSpot's words, a partly created batch reporting the rest."""

from __future__ import annotations

from typing import Any

from connector.base import NewLead
from connector.hubspot.leads import HubSpotLeads
from core.records import LeadState
from tests.unit.connector.hubspot.conftest import FakeHubSpot, Request
from tests.unit.connector.hubspot.shapes import LEADS, PIPELINES, assoc_path, batch, lead, links, pipelines

CREATE = f"{LEADS}/batch/create"


def _created(request: Request, refuse: set[str] = frozenset()) -> tuple[int, Any]:  # type: ignore[assignment]
    """HubSpot's batch create: all or nothing; a lead for a contact in ``refuse`` fails validation."""
    contacts = [i["associations"][0]["to"]["id"] for i in request.body["inputs"]]
    bad = [c for c in contacts if c in refuse]
    if bad:
        message = (
            "Property values were not valid: "
            '[{"isValid":false,"message":"contact ' + bad[0] + ' does not exist","error":"INVALID_OBJECT_ID",'
            '"name":"associations"}]'
        )
        return 400, {
            "status": "error",
            "message": message,
            "category": "VALIDATION_ERROR",
            "correlationId": "c1",
        }
    return 201, batch(
        [
            lead(str(9000 + int(c)), **i["properties"])
            for c, i in zip(contacts, request.body["inputs"], strict=True)
        ]
    )


def _script(hubspot: FakeHubSpot, refuse: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    hubspot.on("POST", CREATE, lambda r: _created(r, refuse))
    hubspot.on(
        "POST",
        assoc_path("leads", "contacts"),
        lambda r: (200, links({i["id"]: [(str(int(i["id"]) - 9000), 578)] for i in r.body["inputs"]})),
    )
    hubspot.on("POST", assoc_path("leads", "companies"), (200, links({})))


def test_a_created_lead_is_named_owned_staged_and_associated_with_its_contact_and_company(
    hubspot: FakeHubSpot, leads: HubSpotLeads
) -> None:
    _script(hubspot)
    new = NewLead("11", "300", "Ada Lovelace", "77", {"leadq_tier": "L1", "hs_lead_label": "HOT"})
    report = leads.create_leads([new])

    (sent,) = hubspot.sent("POST", CREATE)
    (item,) = sent.body["inputs"]
    assert item["properties"] == {
        "hs_lead_name": "Ada Lovelace",
        "hubspot_owner_id": "77",
        "hs_pipeline": "lead-pipeline-id",
        "hs_pipeline_stage": "new-stage-id",
        "leadq_tier": "L1",
        "hs_lead_label": "HOT",
    }
    assert item["associations"] == [
        {"to": {"id": "11"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}]},
        {
            "to": {"id": "300"},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 580}],
        },
    ]
    assert item["objectWriteTraceId"]
    (made,) = report.created
    assert (made.ref.record_id, made.person_id, made.label, made.state) == (
        "9011",
        "11",
        "HOT",
        LeadState.OPEN,
    )
    assert report.failed == () and report.api_calls == 4  # pipelines, create, the two association reads


def test_a_person_without_a_company_gets_only_the_contact_association(
    hubspot: FakeHubSpot, leads: HubSpotLeads
):
    _script(hubspot)
    leads.create_leads([NewLead("12", None, "Grace Hopper", None)])
    (item,) = hubspot.sent("POST", CREATE)[0].body["inputs"]
    assert [a["to"]["id"] for a in item["associations"]] == ["12"]
    assert "hubspot_owner_id" not in item["properties"]


def test_leads_go_100_a_call_and_a_refused_batch_is_split_to_name_the_bad_one(
    hubspot: FakeHubSpot, leads: HubSpotLeads
) -> None:
    _script(hubspot, refuse={"57"})
    asked = [NewLead(str(i), None, f"Person {i}", None) for i in range(1, 131)]
    report = leads.create_leads(asked)

    assert sorted(int(m.person_id or 0) for m in report.created) == [i for i in range(1, 131) if i != 57]
    ((what, reason, message),) = report.failed
    assert what.person_id == "57" and reason == "validation"
    assert message == "associations: INVALID_OBJECT_ID (contact 57 does not exist)"
    sizes = [len(r.body["inputs"]) for r in hubspot.sent("POST", CREATE)]
    # 100 refused, halved down to the one bad lead (each half that passes is created), then the last 30
    assert sizes == [100, 50, 50, 25, 12, 6, 6, 3, 1, 2, 3, 13, 25, 30]


def test_a_partly_created_batch_reports_the_leads_hubspot_did_not_create(
    hubspot: FakeHubSpot, leads: HubSpotLeads
):
    hubspot.on("GET", PIPELINES, (200, pipelines()))

    def partly(request: Request) -> tuple[int, Any]:
        first, second = request.body["inputs"]
        error = {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": "Lead owner 88 has no seat",
            "context": {"objectWriteTraceId": [second["objectWriteTraceId"]]},
        }
        return 207, batch([lead("9021", **first["properties"])], [error])

    hubspot.on("POST", CREATE, partly)
    hubspot.on("POST", assoc_path("leads", "contacts"), (200, links({"9021": [("21", 578)]})))
    hubspot.on("POST", assoc_path("leads", "companies"), (200, links({})))
    report = leads.create_leads([NewLead("21", None, "A", None), NewLead("22", None, "B", "88")])
    assert [m.person_id for m in report.created] == ["21"]
    ((what, reason, message),) = report.failed
    assert (what.person_id, reason, message) == ("22", "not-created", "Lead owner 88 has no seat")
