"""The HubSpot adapter with Leads: writes and history on lead records, leadq's fields provisioned on
leads, Leads only with both leads scopes, generic lead webhook events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector.base import ClientConfig
from connector.fields import LEADQ_FIELDS
from connector.hubspot.adapter import HubSpotAdapter
from connector.hubspot.leads import HubSpotLeads
from connector.hubspot.limits import LocalLimiter
from connector.hubspot.webhooks import parse
from connector.registry import Connection, provider
from core.records import CrmKind, FieldUpdate, ObjectType, RecordRef, WrittenBy
from tests.unit.connector.hubspot.conftest import FakeHubSpot, Request, StaticTokens, calls_for
from tests.unit.connector.hubspot.shapes import LEADS, batch, lead

CONTACTS = "/crm/v3/objects/contacts"


def _ref(obj: ObjectType, record_id: str) -> RecordRef:
    return RecordRef(CrmKind.HUBSPOT, "42", obj, record_id)


def _adapter(hubspot: FakeHubSpot, with_leads: bool = True) -> HubSpotAdapter:
    calls = calls_for(hubspot)
    leads = HubSpotLeads(calls, "42") if with_leads else None
    return HubSpotAdapter(calls, "42", "9001", pipeline_leads=leads)


def _updated(request: Request) -> tuple[int, Any]:
    return 200, batch([lead(i["id"], **i["properties"]) for i in request.body["inputs"]])


def test_writes_to_leads_go_to_the_leads_batch_update_one_batch_per_object_type(hubspot: FakeHubSpot) -> None:
    hubspot.on("POST", f"{LEADS}/batch/update", _updated)
    hubspot.on("POST", f"{CONTACTS}/batch/update", lambda r: (200, batch([])))
    updates = [
        FieldUpdate(_ref(ObjectType.PIPELINE_LEAD, str(900 + i)), "hs_lead_label", "HOT") for i in range(130)
    ]
    updates += [FieldUpdate(_ref(ObjectType.PIPELINE_LEAD, "900"), "leadq_tier", "L1")]
    updates += [FieldUpdate(_ref(ObjectType.CONTACT, "1"), "leadq_tier", "L1")]
    report = _adapter(hubspot).write(updates)
    assert report.failed == () and len(report.written) == 132 and report.api_calls == 3
    sent = hubspot.sent("POST", f"{LEADS}/batch/update")
    assert [len(r.body["inputs"]) for r in sent] == [100, 30]
    assert sent[0].body["inputs"][0] == {
        "id": "900",
        "properties": {"hs_lead_label": "HOT", "leadq_tier": "L1"},
    }
    assert hubspot.sent("POST", f"{CONTACTS}/batch/update")[0].body["inputs"] == [
        {"id": "1", "properties": {"leadq_tier": "L1"}}
    ]


def test_field_states_of_a_lead_tell_a_persons_label_from_leadqs(hubspot: FakeHubSpot) -> None:
    def with_history(request: Request) -> tuple[int, Any]:
        row = lead("901", hs_lead_label="WARM")
        row["propertiesWithHistory"] = {
            "hs_lead_label": [
                {
                    "value": "WARM",
                    "timestamp": "2026-11-02T10:00:00Z",
                    "sourceType": "CRM_UI",
                    "sourceId": "userId:5",
                },
                {
                    "value": "HOT",
                    "timestamp": "2026-11-01T10:00:00Z",
                    "sourceType": "INTEGRATION",
                    "sourceId": "9001",
                },
            ]
        }
        return 200, batch([row])

    hubspot.on("POST", f"{LEADS}/batch/read", with_history)
    ref = _ref(ObjectType.PIPELINE_LEAD, "901")
    states = _adapter(hubspot).field_states([ref], ["hs_lead_label"])
    assert states[ref]["hs_lead_label"].value == "WARM"
    assert states[ref]["hs_lead_label"].written_by == WrittenBy.USER
    (read,) = hubspot.sent("POST", f"{LEADS}/batch/read")
    assert read.body["propertiesWithHistory"] == ["hs_lead_label"]


def _provisioning(hubspot: FakeHubSpot) -> None:
    for obj in ("contacts", "companies", "leads"):
        hubspot.on("GET", f"/crm/v3/properties/{obj}/groups", (200, {"results": []}))
        hubspot.on(
            "POST",
            f"/crm/v3/properties/{obj}/groups",
            lambda r: (201, {**r.body, "archived": False, "displayOrder": -1}),
        )
        hubspot.on("GET", f"/crm/v3/properties/{obj}", (200, {"results": []}))
        hubspot.on("POST", f"/crm/v3/properties/{obj}", lambda r: (201, r.body))


def test_leadqs_person_fields_are_provisioned_on_leads_when_the_adapter_has_them(
    hubspot: FakeHubSpot,
) -> None:
    _provisioning(hubspot)
    report = _adapter(hubspot).ensure_fields(LEADQ_FIELDS)
    on_leads = {r.body["name"] for r in hubspot.sent("POST", "/crm/v3/properties/leads")}
    person_fields = {s.key for s in LEADQ_FIELDS if s.on("contact")}
    assert on_leads == person_fields and "leadq_buying_committee" not in on_leads
    assert {"leadq_fit_score", "leadq_tier", "leadq_reasons", "leadq_scored_at"} <= on_leads
    assert "leads.leadq_tier" in report.created
    assert hubspot.sent("POST", "/crm/v3/properties/leads/groups")[0].body["name"] == "leadq"

    hubspot.requests.clear()
    _adapter(hubspot, with_leads=False).ensure_fields(LEADQ_FIELDS)
    assert not [r for r in hubspot.requests if "/leads" in r.path]


@pytest.mark.parametrize(
    ("scopes", "has_leads"),
    [
        (("oauth", "crm.objects.leads.read", "crm.objects.leads.write"), True),
        (("oauth", "crm.objects.leads.read"), False),
        ((), False),
    ],
)
def test_the_adapter_has_leads_only_with_both_leads_scopes(scopes: tuple[str, ...], has_leads: bool) -> None:
    connection = Connection(
        "42", ClientConfig("http://hubspot", app_id="7"), StaticTokens(), LocalLimiter(), scopes=scopes
    )
    adapter = provider(CrmKind.HUBSPOT).build_adapter(connection)
    assert (adapter.pipeline_leads is not None) == has_leads
    if has_leads:
        keys = {s.key for s in LEADQ_FIELDS if s.on(ObjectType.PIPELINE_LEAD.value)}
        assert keys | {"hubspot_owner_id"} <= set(adapter.pipeline_leads.extra_properties)  # type: ignore[union-attr]
    sf = provider(CrmKind.SALESFORCE).build_adapter(
        Connection("00D000000000001", ClientConfig("https://org.example"), StaticTokens(), scopes=scopes)
    )
    assert sf.pipeline_leads is None


def _event(kind: str, type_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "eventId": 1,
        "subscriptionId": 2,
        "portalId": 42,
        "appId": 9001,
        "occurredAt": 1793491200000,
        "subscriptionType": kind,
        "attemptNumber": 0,
        "objectId": 901,
        "objectTypeId": type_id,
        "changeSource": "CRM_UI",
        **extra,
    }


def test_generic_lead_events_become_changes_of_pipeline_leads_and_leadqs_own_are_echoes() -> None:
    body = [
        _event("object.creation", "0-136", changeFlag="CREATED"),
        _event("object.propertyChange", "0-136", propertyName="hs_lead_label", propertyValue="HOT"),
        _event(
            "object.propertyChange",
            "0-136",
            propertyName="leadq_tier",
            propertyValue="L1",
            changeSource="INTEGRATION",
            sourceId="9001",
        ),
        _event("object.deletion", "0-136"),
        _event("object.creation", "0-999"),  # an object type leadq does not act on
        _event("lead.creation", "0-136"),  # no such legacy event type
    ]
    events = parse(json.dumps(body).encode())
    assert [e.subscription_type for e in events] == [
        "object.creation",
        "object.propertyChange",
        "object.propertyChange",
        "object.deletion",
    ]
    assert {e.event.ref for e in events} == {_ref(ObjectType.PIPELINE_LEAD, "901")}
    assert events[1].event.changed_fields == ("hs_lead_label",) and events[1].property_value == "HOT"
    assert [e.is_echo("9001") for e in events] == [False, False, True, False]
    assert len({e.key for e in events}) == 4


def test_iter_records_of_pipeline_leads_pages_through_the_leads_or_says_why_it_cannot(
    hubspot: FakeHubSpot,
) -> None:
    from tests.unit.connector.hubspot.shapes import PIPELINES, pipelines

    hubspot.on("GET", PIPELINES, (200, pipelines()))
    hubspot.on(
        "GET", LEADS, (200, {"results": [lead("901", hs_primary_contact_id="1", hs_primary_company_id=None)]})
    )
    (page,) = list(_adapter(hubspot).iter_records(ObjectType.PIPELINE_LEAD, None))
    assert [(r.ref, r.person_id) for r in page.records] == [(_ref(ObjectType.PIPELINE_LEAD, "901"), "1")]  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="leads scopes"):
        list(_adapter(hubspot, with_leads=False).iter_records(ObjectType.PIPELINE_LEAD, None))
