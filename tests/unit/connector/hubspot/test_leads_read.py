"""HubSpot's Leads read by ``HubSpotLeads``: what each stage means, each contact's open leads, leads
by id, every lead and the changed ones, with the requests HubSpot's docs describe."""

from __future__ import annotations

from connector.base import Cursor
from connector.hubspot.leads import HubSpotLeads
from connector.hubspot.leads_mapping import pipelines_from, stage_state
from core.records import CrmKind, LeadState, ObjectType, RecordRef
from tests.unit.connector.hubspot.conftest import FakeHubSpot
from tests.unit.connector.hubspot.shapes import (
    LEADS,
    PIPELINES,
    assoc_path,
    batch,
    ids_sent,
    lead,
    links,
    pipeline,
    pipelines,
    stage,
)

PRIMARY, COMPANY, CONTACT_TO_LEAD = 578, 580, 579


def test_stage_meaning_comes_from_hubspot_stage_metadata_not_from_its_ids() -> None:
    custom = pipeline(
        "7001",
        1,
        [
            stage("9001", "Fresh", 0, isClosed="false"),
            stage("9002", "Won over", 1, isClosed="true"),
            stage("9003", "Not a fit (disqualified)", 2, isClosed="true"),
            stage("9004", "Parked", 3, leadState="UNQUALIFIED"),
        ],
    )
    read = pipelines_from([_snake(p) for p in pipelines(custom, *[_default()])["results"]])
    assert read.state_of("9001") == LeadState.OPEN
    assert read.state_of("9002") == LeadState.QUALIFIED
    assert read.state_of("9003") == LeadState.DISQUALIFIED
    assert read.state_of("9004") == LeadState.DISQUALIFIED
    assert read.state_of("qualified-stage-id") == LeadState.QUALIFIED
    assert read.state_of("unqualified-stage-id") == LeadState.DISQUALIFIED
    assert read.state_of("nowhere") == LeadState.OPEN  # an unknown stage is never taken for an outcome
    # The default pipeline comes first in display order; leads are created in its first stage.
    assert (read.default_pipeline, read.first_stage) == ("lead-pipeline-id", "new-stage-id")
    assert stage_state("qualified-stage-id", "Qualified", {}) == LeadState.QUALIFIED


def _default() -> dict:  # type: ignore[type-arg]
    from tests.unit.connector.hubspot.shapes import DEFAULT_PIPELINE

    return DEFAULT_PIPELINE


def _snake(p: dict) -> dict:  # type: ignore[type-arg]
    """As the SDK's ``to_dict`` gives a pipeline."""
    stages = [{**s, "display_order": s["displayOrder"]} for s in p["stages"]]
    return {**p, "display_order": p["displayOrder"], "stages": stages}


def test_the_pipelines_are_read_once_on_first_need_and_not_when_built(
    hubspot: FakeHubSpot, leads: HubSpotLeads
):
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    assert hubspot.requests == []  # building the Leads API calls nothing
    first, again = leads.pipelines(), leads.pipelines()
    assert first is again and len(hubspot.sent("GET", PIPELINES)) == 1
    assert first.closed_stages() == ("qualified-stage-id", "unqualified-stage-id")


def test_open_leads_of_contacts_reads_associations_then_leads_and_keeps_the_open_ones(
    hubspot: FakeHubSpot, leads: HubSpotLeads
) -> None:
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    hubspot.on(
        "POST",
        assoc_path("contacts", "leads"),
        (
            200,
            links(
                {"1": [("901", CONTACT_TO_LEAD), ("902", CONTACT_TO_LEAD)], "2": [("903", CONTACT_TO_LEAD)]}
            ),
        ),
    )
    hubspot.on(
        "POST",
        f"{LEADS}/batch/read",
        (
            200,
            batch(
                [
                    lead("901", hs_lead_label="WARM", hubspot_owner_id="77"),
                    lead("902", "qualified-stage-id"),
                    lead("903", "connected-stage-id"),
                ]
            ),
        ),
    )
    hubspot.on(
        "POST",
        assoc_path("leads", "contacts"),
        (200, links({"901": [("1", PRIMARY)], "902": [("1", PRIMARY)], "903": [("5", 608), ("2", PRIMARY)]})),
    )
    hubspot.on(
        "POST", assoc_path("leads", "companies"), (200, links({"901": [("301", 610), ("300", COMPANY)]}))
    )

    found = leads.open_leads_of(["1", "2", "3"])

    assert sorted(found) == ["1", "2"]  # contact 3 has no lead; 902 is closed (qualified)
    (warm,) = found["1"]
    assert warm.ref == RecordRef(CrmKind.HUBSPOT, "42", ObjectType.PIPELINE_LEAD, "901")
    assert (warm.person_id, warm.account_id, warm.label, warm.owner_id) == ("1", "300", "WARM", "77")
    assert (warm.stage, warm.state, warm.pipeline, warm.name) == (
        "new-stage-id",
        LeadState.OPEN,
        "lead-pipeline-id",
        "Lead 901",
    )
    assert warm.version == "2026-11-02T10:00:00.000Z" and warm.raw["hs_object_id"] == "901"
    assert found["2"][0].person_id == "2"  # the primary contact (578), not the first one listed
    (assoc,) = hubspot.sent("POST", assoc_path("contacts", "leads"))
    assert ids_sent(assoc.body) == ["1", "2", "3"]
    (read,) = hubspot.sent("POST", f"{LEADS}/batch/read")
    assert ids_sent(read.body) == ["901", "902", "903"]
    assert {"hs_lead_label", "hs_pipeline_stage", "hubspot_owner_id", "hs_lead_name", "leadq_tier"} <= set(
        read.body["properties"]
    )


def test_associations_go_1000_contacts_a_call_and_leads_100_a_call(hubspot: FakeHubSpot, leads: HubSpotLeads):
    contacts = [str(i) for i in range(1, 1502)]
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    hubspot.on(
        "POST",
        assoc_path("contacts", "leads"),
        lambda r: (
            200,
            links({i["id"]: [(str(10_000 + int(i["id"])), CONTACT_TO_LEAD)] for i in r.body["inputs"]}),
        ),
    )
    hubspot.on(
        "POST", f"{LEADS}/batch/read", lambda r: (200, batch([lead(i["id"]) for i in r.body["inputs"]]))
    )
    hubspot.on(
        "POST",
        assoc_path("leads", "contacts"),
        lambda r: (200, links({i["id"]: [(str(int(i["id"]) - 10_000), PRIMARY)] for i in r.body["inputs"]})),
    )
    hubspot.on("POST", assoc_path("leads", "companies"), (200, links({})))

    found = leads.open_leads_of(contacts)

    assert len(found) == 1501 and all(v[0].person_id == k for k, v in found.items())
    assert [len(r.body["inputs"]) for r in hubspot.sent("POST", assoc_path("contacts", "leads"))] == [
        1000,
        501,
    ]
    reads = [len(r.body["inputs"]) for r in hubspot.sent("POST", f"{LEADS}/batch/read")]
    assert reads == [100] * 15 + [1]


def test_iter_leads_lists_everything_then_searches_changes_by_last_modified(
    hubspot: FakeHubSpot, leads: HubSpotLeads
) -> None:
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    hubspot.on(
        "GET",
        LEADS,
        (200, {"results": [lead("901")], "paging": {"next": {"after": "901"}}}),
        (200, {"results": [lead("902", "unqualified-stage-id")]}),
    )
    hubspot.on(
        "POST",
        assoc_path("leads", "contacts"),
        lambda r: (200, links({i["id"]: [("1", PRIMARY)] for i in r.body["inputs"]})),
    )
    hubspot.on("POST", assoc_path("leads", "companies"), (200, links({})))
    pages = list(leads.iter_leads(None))
    assert [[p.ref.record_id for p in page.records] for page in pages] == [["901"], ["902"]]
    assert pages[0].next_cursor == Cursor(after="901") and pages[1].next_cursor is None
    assert pages[1].records[0].state == LeadState.DISQUALIFIED  # type: ignore[union-attr]
    listed = hubspot.sent("GET", LEADS)
    assert listed[1].query["after"] == ["901"] and listed[0].query["limit"] == ["100"]
    assert {"hs_lead_label", "hs_pipeline_stage"} <= set(listed[0].query["properties"])

    hubspot.on("POST", f"{LEADS}/search", (200, {"total": 1, "results": [lead("903")]}))
    (page,) = list(leads.iter_leads(Cursor(since="2026-11-01T00:00:00+00:00")))
    assert [r.ref.record_id for r in page.records] == ["903"] and page.next_cursor is None
    assert page.checkpoint is not None and page.checkpoint.since == "2026-11-02T10:00:00+00:00"
    (search,) = hubspot.sent("POST", f"{LEADS}/search")
    assert search.body["filterGroups"] == [
        {"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "1793491200000"}]}
    ]
    assert search.body["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
    assert search.body["limit"] == 200 and "hs_pipeline_stage" in search.body["properties"]


def test_read_leads_by_id_keeps_closed_ones_and_drops_missing_ids(hubspot: FakeHubSpot, leads: HubSpotLeads):
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    hubspot.on("POST", f"{LEADS}/batch/read", (200, batch([lead("902", "qualified-stage-id")])))
    hubspot.on("POST", assoc_path("leads", "contacts"), (200, links({"902": [("1", PRIMARY)]})))
    hubspot.on("POST", assoc_path("leads", "companies"), (200, links({})))
    (found,) = leads.read_leads(["902", "999", "902"])
    assert (found.ref.record_id, found.state, found.person_id, found.account_id) == (
        "902",
        LeadState.QUALIFIED,
        "1",
        None,
    )
    (read,) = hubspot.sent("POST", f"{LEADS}/batch/read")
    assert ids_sent(read.body) == ["902", "999"]


def test_hubspots_calculated_primary_ids_spare_the_association_reads_where_filled(
    hubspot: FakeHubSpot, leads: HubSpotLeads
) -> None:
    hubspot.on("GET", PIPELINES, (200, pipelines()))
    rows = [
        lead("901", hs_primary_contact_id="1", hs_primary_company_id="300"),
        lead("902", hs_primary_contact_id="2", hs_primary_company_id=None),  # filled: no company
        lead("903", hs_primary_contact_id=None, hs_primary_company_id=None),  # not calculated yet
    ]
    hubspot.on("POST", f"{LEADS}/batch/read", (200, batch(rows)))
    hubspot.on("POST", assoc_path("leads", "contacts"), (200, links({"903": [("3", PRIMARY)]})))
    hubspot.on("POST", assoc_path("leads", "companies"), (200, links({"903": [("330", COMPANY)]})))
    found = {
        lead.ref.record_id: (lead.person_id, lead.account_id)
        for lead in leads.read_leads(["901", "902", "903"])
    }
    assert found == {"901": ("1", "300"), "902": ("2", None), "903": ("3", "330")}
    (contacts,) = hubspot.sent("POST", assoc_path("leads", "contacts"))
    (companies,) = hubspot.sent("POST", assoc_path("leads", "companies"))
    assert ids_sent(contacts.body) == ids_sent(companies.body) == ["903"]
