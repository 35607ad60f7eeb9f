"""HubSpot's Leads through leadq's adapter and the real SDK, against the sandbox: leadq's fields on
leads, each contact's open leads, a field and a label written and read back, a lead created with its
contact and company, closed leads as outcomes, and no Leads without both leads scopes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from connector.base import ClientConfig, Cursor, NewLead
from connector.fields import LEADQ_FIELDS
from connector.hubspot.leads import HubSpotLeads
from connector.hubspot.limits import LocalLimiter
from connector.registry import Connection, provider
from core.records import CrmKind, FieldUpdate, LeadState, ObjectType, OutcomeKind, RecordRef, WrittenBy
from sandbox.pytest_plugin import DEFAULT_SCOPES, install
from workers.services.install import StaticTokens

LEAD_SCOPES = ("crm.objects.leads.read", "crm.objects.leads.write")


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    return sandbox_factory(seed=43, records=200)


def _adapter(running: Any, scopes: tuple[str, ...] = LEAD_SCOPES) -> Any:
    granted = " ".join((DEFAULT_SCOPES, *scopes))
    token = install(running, scope=granted)["access_token"]
    config = ClientConfig(api_base=running.base_url, app_id=str(running.app_id))
    connection = Connection(
        str(running.portal_id), config, StaticTokens(token), LocalLimiter(), scopes=tuple(granted.split())
    )
    return provider(CrmKind.HUBSPOT).build_adapter(connection)


@pytest.fixture
def adapter(crm):  # type: ignore[no-untyped-def]
    return _adapter(crm)


def _portal(crm: Any) -> Any:
    return crm.sandbox.portals[crm.portal_id]


def _truth(crm: Any) -> dict[str, dict[str, Any]]:
    return crm.sandbox.truth[crm.portal_id].leads


def _ref(crm: Any, record_id: str, obj: ObjectType = ObjectType.PIPELINE_LEAD) -> RecordRef:
    return RecordRef(CrmKind.HUBSPOT, str(crm.portal_id), obj, record_id)


OPEN = {"new-stage-id", "attempting-stage-id", "connected-stage-id"}


def test_leadqs_person_fields_are_provisioned_on_the_leads_object(adapter, crm):
    report = adapter.ensure_fields(LEADQ_FIELDS)
    answer = requests.get(
        f"{crm.base_url}/crm/v3/properties/leads",
        headers={"Authorization": f"Bearer {adapter.calls.tokens.current()}"},
        timeout=10,
    )
    props = {p["name"]: p for p in answer.json()["results"]}
    wanted = {s.key for s in LEADQ_FIELDS if s.on(ObjectType.PIPELINE_LEAD.value)}
    assert wanted <= set(props) and "leadq_buying_committee" not in props
    assert props["leadq_tier"]["groupName"] == "leadq" and props["leadq_tier"]["type"] == "enumeration"
    assert {f"leads.{k}" for k in wanted} <= set(report.created)
    again = adapter.ensure_fields(LEADQ_FIELDS)  # safe to repeat
    assert not [c for c in again.created if c.startswith("leads.")]


def test_open_leads_of_the_seeded_contacts_are_theirs_and_open(adapter, crm):
    truth = _truth(crm)
    contacts = sorted({t["contact"] for t in truth.values()})
    found = adapter.pipeline_leads.open_leads_of(contacts)
    expected = {lead_id: t for lead_id, t in truth.items() if t["stage"] in OPEN}
    got = {lead.ref.record_id: lead for leads in found.values() for lead in leads}
    assert set(got) == set(expected) and expected
    for lead_id, lead in got.items():
        assert lead.person_id == expected[lead_id]["contact"] and lead.state == LeadState.OPEN
        assert lead.stage == expected[lead_id]["stage"] and lead.pipeline == "lead-pipeline-id"
        assert lead.label == (expected[lead_id]["label"] or None)
    assert all(person == leads[0].person_id for person, leads in found.items())


def test_a_leadq_field_and_the_label_written_to_a_lead_read_back_with_their_writer(adapter, crm):
    adapter.ensure_fields(LEADQ_FIELDS)
    lead_id = next(i for i, t in _truth(crm).items() if t["stage"] in OPEN and not t["label"])
    ref = _ref(crm, lead_id)
    report = adapter.write([FieldUpdate(ref, "leadq_tier", "L1"), FieldUpdate(ref, "hs_lead_label", "HOT")])
    assert report.failed == () and len(report.written) == 2
    (lead,) = adapter.pipeline_leads.read_leads([lead_id])
    assert lead.label == "HOT" and lead.raw["leadq_tier"] == "L1"
    assert _portal(crm).get("leads", lead_id).props["hs_lead_label"] == "HOT"
    states = adapter.field_states([ref], ["hs_lead_label", "leadq_tier"])[ref]
    assert states["hs_lead_label"].written_by == WrittenBy.LEADQ and states["leadq_tier"].value == "L1"


def test_a_created_lead_reads_back_with_its_contact_and_company(adapter, crm):
    portal = _portal(crm)
    contact = next(
        c
        for c in portal.live("contacts")
        if not portal.associated("contacts", c.id, "leads") and c.props.get("associatedcompanyid")
    )
    company = contact.props["associatedcompanyid"]
    owner = next(o["id"] for o in portal.owners if not o["archived"])
    new = NewLead(contact.id, company, "Created by leadq", owner, {"hs_lead_label": "WARM"})
    report = adapter.pipeline_leads.create_leads([new])
    assert report.failed == ()
    (made,) = report.created
    assert (made.person_id, made.account_id, made.stage, made.owner_id) == (
        contact.id,
        company,
        "new-stage-id",
        owner,
    )
    (again,) = adapter.pipeline_leads.read_leads([made.ref.record_id])
    assert (again.person_id, again.account_id, again.name, again.label, again.state) == (
        contact.id,
        company,
        "Created by leadq",
        "WARM",
        LeadState.OPEN,
    )
    assert adapter.pipeline_leads.open_leads_of([contact.id])[contact.id][0].ref == made.ref


def test_a_lead_for_a_missing_contact_fails_alone_with_hubspots_words(adapter, crm):
    portal = _portal(crm)
    contact = next(c for c in portal.live("contacts") if not portal.associated("contacts", c.id, "leads"))
    report = adapter.pipeline_leads.create_leads(
        [NewLead(contact.id, None, "Good", None), NewLead("999999999", None, "Nobody", None)]
    )
    assert [m.person_id for m in report.created] == [contact.id]
    ((what, reason, message),) = report.failed
    assert what.person_id == "999999999" and reason == "validation" and "999999999" in message


def test_closed_seeded_leads_are_outcomes_of_their_contact_when_they_closed(adapter, crm):
    closed = {i: t for i, t in _truth(crm).items() if t["stage"] not in OPEN}
    outcomes = {o.source_ref.record_id: o for o in adapter.pipeline_leads.lead_outcomes()}
    assert set(outcomes) == set(closed) and closed
    for lead_id, truth in closed.items():
        outcome = outcomes[lead_id]
        won = truth["stage"] == "qualified-stage-id"
        assert outcome.ref == _ref(crm, truth["contact"], ObjectType.CONTACT)
        assert outcome.kind == (OutcomeKind.WON if won else OutcomeKind.LOST)
        assert outcome.detail == ("lead qualified" if won else "lead disqualified")
        assert outcome.occurred_at == datetime.fromtimestamp(truth["stage_at"] / 1000, UTC)


def test_without_both_leads_scopes_the_adapter_has_no_leads(crm):
    assert _adapter(crm, scopes=()).pipeline_leads is None
    assert _adapter(crm, scopes=("crm.objects.leads.read",)).pipeline_leads is None
    assert isinstance(_adapter(crm).pipeline_leads, HubSpotLeads)


def test_every_lead_is_listed_once_and_a_changed_one_is_found_by_search(adapter, crm):
    truth = _truth(crm)
    listed = [lead for page in adapter.pipeline_leads.iter_leads(None) for lead in page.records]
    assert sorted(lead.ref.record_id for lead in listed) == sorted(truth)
    assert all(lead.person_id == truth[lead.ref.record_id]["contact"] for lead in listed)
    newest = max(lead.version for lead in listed)
    changed = sorted(truth)[3]
    adapter.write([FieldUpdate(_ref(crm, changed), "hs_lead_label", "COLD")])
    since = Cursor(since=datetime.fromisoformat(newest.replace("Z", "+00:00")).isoformat())
    pages = list(adapter.pipeline_leads.iter_leads(since))
    found = {lead.ref.record_id: lead for page in pages for lead in page.records}
    assert changed in found and found[changed].label == "COLD"
    assert pages[-1].next_cursor is None and pages[-1].checkpoint is not None
