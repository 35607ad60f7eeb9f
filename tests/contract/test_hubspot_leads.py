"""HubSpot's Leads object (0-136) through the real SDK: creation rules, batches, search, history,
the lead pipeline, associations, scopes, the properties API and generic webhook events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from typing import Any

import hubspot
import pytest
import requests
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.objects.leads import (
    ApiException,
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicAssociationsForObject,
    PublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.pipelines import ApiException as PipelinesApiException
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate
from hubspot.webhooks import SettingsChangeRequest, SubscriptionCreateRequest, ThrottlingSettings

from sandbox.clock import ManualClock
from sandbox.hubspot.creation import LEAD_NEEDS_CONTACT
from sandbox.pytest_plugin import DEFAULT_SCOPES, install

LEAD_SCOPES = DEFAULT_SCOPES + " crm.objects.leads.read crm.objects.leads.write"
OPEN_STAGES = ["new-stage-id", "attempting-stage-id", "connected-stage-id"]


@pytest.fixture
def leads_client(sandbox: Any) -> hubspot.Client:
    tokens = install(sandbox, scope=LEAD_SCOPES)
    return hubspot.Client.create(access_token=tokens["access_token"], host=sandbox.base_url)


def _portal(running: Any) -> Any:
    return running.sandbox.portals[running.portal_id]


def _to_contact(contact_id: str, type_id: int = 578) -> PublicAssociationsForObject:
    return PublicAssociationsForObject(
        to=PublicObjectId(id=contact_id),
        types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)],
    )


def _body(caught: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    return json.loads(caught.value.body)


def _contact_without_lead(running: Any) -> Any:
    portal = _portal(running)
    return next(c for c in portal.live("contacts") if not portal.associated("contacts", c.id, "leads"))


def test_a_lead_without_a_contact_association_is_refused_and_nothing_is_created(sandbox, leads_client):
    before = len(_portal(sandbox).live("leads"))
    with pytest.raises(ApiException) as caught:
        leads_client.crm.objects.leads.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"hs_lead_name": "No Contact"}, associations=[])
        )
    body = _body(caught)
    assert caught.value.status == 400
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert body["message"] == LEAD_NEEDS_CONTACT and body["correlationId"]
    assert len(_portal(sandbox).live("leads")) == before
    sent = sandbox.requests.entries(lambda e: e.path == "/crm/v3/objects/leads")[-1].body
    assert sent == {"properties": {"hs_lead_name": "No Contact"}, "associations": []}


def test_a_lead_without_a_name_or_with_a_wrong_association_type_is_refused(sandbox, leads_client):
    contact = _contact_without_lead(sandbox)
    api = leads_client.crm.objects.leads.basic_api
    with pytest.raises(ApiException) as unnamed:
        api.create(SimplePublicObjectInputForCreate(properties={}, associations=[_to_contact(contact.id)]))
    assert unnamed.value.status == 400 and "REQUIRED_PROPERTY" in _body(unnamed)["message"]
    with pytest.raises(ApiException) as wrong_type:  # 279 is contact -> company, not lead -> contact
        api.create(
            SimplePublicObjectInputForCreate(
                properties={"hs_lead_name": "X"}, associations=[_to_contact(contact.id, type_id=279)]
            )
        )
    assert wrong_type.value.status == 400 and _body(wrong_type)["category"] == "VALIDATION_ERROR"
    assert _body(wrong_type)["context"] == {"associationTypeId": ["279"]}
    with pytest.raises(ApiException) as missing:
        api.create(
            SimplePublicObjectInputForCreate(
                properties={"hs_lead_name": "X"}, associations=[_to_contact("99999")]
            )
        )
    assert missing.value.status == 400 and "99999" in _body(missing)["message"]
    assert not _portal(sandbox).associated("contacts", contact.id, "leads")


def test_a_created_lead_lands_in_the_first_stage_and_reads_back_with_its_associations(sandbox, leads_client):
    contact = next(c for c in _portal(sandbox).live("contacts") if c.props.get("associatedcompanyid"))
    company_id = contact.props["associatedcompanyid"]
    company_link = PublicAssociationsForObject(
        to=PublicObjectId(id=company_id),
        types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=580)],
    )
    created = leads_client.crm.objects.leads.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"hs_lead_name": "Jane Doe", "hs_lead_type": "NEW_BUSINESS", "hs_lead_label": "WARM"},
            associations=[_to_contact(contact.id), company_link],
        )
    )
    read = leads_client.crm.objects.leads.basic_api.get_by_id(
        created.id,
        properties=[
            "hs_lead_name",
            "hs_pipeline",
            "hs_pipeline_stage",
            "hs_primary_contact_id",
            "hs_lead_is_open",
        ],
        associations=["contacts", "companies"],
    )
    assert read.properties["hs_pipeline"] == "lead-pipeline-id"
    assert (
        read.properties["hs_pipeline_stage"] == "new-stage-id"
        and read.properties["hs_lead_is_open"] == "true"
    )
    assert read.properties["hs_primary_contact_id"] == contact.id
    assert [a.id for a in read.associations["contacts"].results] == [contact.id]
    assert [a.id for a in read.associations["companies"].results] == [company_id]
    v4 = leads_client.crm.associations.v4.batch_api
    forward = v4.get_page(
        "leads",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=created.id)]
        ),
    )
    types = {(t.type_id, t.label) for t in forward.results[0].to[0].association_types}
    assert types == {(578, "Primary"), (608, None)}
    back = v4.get_page(
        "contacts",
        "leads",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=contact.id)]
        ),
    )
    assert [str(t.to_object_id) for t in back.results[0].to] == [created.id]
    assert 609 in {t.type_id for t in back.results[0].to[0].association_types}
    to_company = v4.get_page(
        "leads",
        "companies",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=created.id)]
        ),
    )
    assert {t.type_id for t in to_company.results[0].to[0].association_types} == {580, 610}


def test_batch_limits_and_a_batch_create_refused_whole_when_one_lead_lacks_its_contact(sandbox, leads_client):
    batch = leads_client.crm.objects.leads.batch_api
    contact = _contact_without_lead(sandbox)
    many = [
        SimplePublicObjectBatchInputForCreate(properties={"hs_lead_name": f"L{i}"}, associations=[])
        for i in range(101)
    ]
    with pytest.raises(ApiException) as too_many:
        batch.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=many))
    assert too_many.value.status == 400
    assert _body(too_many)["message"].startswith(
        "The maximum number of inputs supported in a batch request is 100"
    )
    ids = [r.id for r in _portal(sandbox).live("leads")]
    updates = [SimplePublicObjectBatchInput(id=ids[0], properties={"hs_lead_label": "HOT"})] * 101
    with pytest.raises(ApiException) as too_many_updates:
        batch.update(BatchInputSimplePublicObjectBatchInput(inputs=updates))
    assert too_many_updates.value.status == 400
    before = len(_portal(sandbox).live("leads"))
    mixed = [
        SimplePublicObjectBatchInputForCreate(
            properties={"hs_lead_name": "Ok"}, associations=[_to_contact(contact.id)]
        ),
        SimplePublicObjectBatchInputForCreate(properties={"hs_lead_name": "Orphan"}, associations=[]),
    ]
    with pytest.raises(ApiException) as refused:
        batch.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=mixed))
    assert refused.value.status == 400 and _body(refused)["message"] == LEAD_NEEDS_CONTACT
    assert len(_portal(sandbox).live("leads")) == before
    made = batch.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=mixed[:1]))
    assert made.status == "COMPLETE" and len(made.results) == 1
    assert _portal(sandbox).associated("contacts", contact.id, "leads") == {made.results[0].id: {579, 609}}


def test_listing_pages_through_every_seeded_lead(sandbox, leads_client):
    seen, after = [], None
    while True:
        page = leads_client.crm.objects.leads.basic_api.get_page(
            limit=10, after=after, properties=["hs_lead_name"]
        )
        seen.extend(r.id for r in page.results)
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    expected = sorted(sandbox.sandbox.truth[sandbox.portal_id].leads, key=int)
    assert seen == expected and len(seen) > 10
    assert set(page.results[0].properties) == {
        "hs_lead_name",
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }


def test_search_filters_open_stages_sorts_pages_and_keeps_the_10000_cap(sandbox, leads_client):
    truth = sandbox.sandbox.truth[sandbox.portal_id].leads
    open_ids = {i for i, t in truth.items() if t["stage"] in OPEN_STAGES}
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[Filter(property_name="hs_pipeline_stage", operator="IN", values=OPEN_STAGES)]
            )
        ],
        sorts=["hs_createdate"],
        properties=["hs_pipeline_stage", "hs_createdate"],
        limit=10,
    )
    found, after = [], None
    while True:
        request.after = after
        page = leads_client.crm.objects.leads.search_api.do_search(request)
        found.extend(page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert page.total == len(open_ids) and {r.id for r in found} == open_ids
    created = [r.properties["hs_createdate"] for r in found]
    assert created == sorted(created)
    request.after = "10000"
    with pytest.raises(ApiException) as capped:
        leads_client.crm.objects.leads.search_api.do_search(request)
    assert capped.value.status == 400 and _body(capped)["category"] == "VALIDATION_ERROR"


def test_label_history_tells_a_rep_from_the_app(sandbox, leads_client):
    truth = sandbox.sandbox.truth[sandbox.portal_id].leads
    by_rep = next(i for i, t in truth.items() if t["label_source"] == "CRM_UI")
    unlabelled = next(i for i, t in truth.items() if not t["label"])
    leads_client.crm.objects.leads.basic_api.update(
        unlabelled, SimplePublicObjectInput(properties={"hs_lead_label": "COLD"})
    )
    result = leads_client.crm.objects.leads.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            properties=["hs_lead_label"],
            properties_with_history=["hs_lead_label", "hs_pipeline_stage"],
            inputs=[SimplePublicObjectId(id=by_rep), SimplePublicObjectId(id=unlabelled)],
        )
    )
    history = {r.id: r.properties_with_history for r in result.results}
    rep_entry = history[by_rep]["hs_lead_label"][0]
    assert rep_entry.source_type == "CRM_UI" and rep_entry.source_id.startswith("userId:")
    assert rep_entry.value == truth[by_rep]["label"]
    app_entry = history[unlabelled]["hs_lead_label"][0]
    assert (app_entry.source_type, app_entry.source_id, app_entry.value) == (
        "INTEGRATION",
        str(sandbox.app_id),
        "COLD",
    )
    assert history[unlabelled]["hs_pipeline_stage"][-1].value == "new-stage-id"  # every lead started new


def test_the_lead_pipeline_tells_open_stages_from_closed_ones(sandbox, leads_client):
    pipelines = leads_client.crm.pipelines.pipelines_api.get_all("leads").results
    assert [p.id for p in pipelines] == ["lead-pipeline-id"]
    stages = {s.id: s.metadata for s in pipelines[0].stages}
    assert list(stages) == [*OPEN_STAGES, "qualified-stage-id", "unqualified-stage-id"]
    assert {sid for sid, m in stages.items() if m["isClosed"] == "false"} == set(OPEN_STAGES)
    assert stages["qualified-stage-id"]["leadState"] == "QUALIFIED"
    assert stages["unqualified-stage-id"]["leadState"] == "DISQUALIFIED"
    by_type_id = leads_client.crm.pipelines.pipelines_api.get_by_id("0-136", "lead-pipeline-id")
    assert [s.label for s in by_type_id.stages] == [
        "New",
        "Attempting",
        "Connected",
        "Qualified",
        "Disqualified",
    ]


def test_without_leads_scopes_every_leads_endpoint_answers_403_missing_scopes(sandbox, client):
    lead_id = next(iter(sandbox.sandbox.truth[sandbox.portal_id].leads))
    calls = (
        lambda: client.crm.objects.leads.basic_api.get_page(limit=1),
        lambda: client.crm.objects.leads.basic_api.get_by_id(lead_id),
        lambda: client.crm.objects.leads.search_api.do_search(PublicObjectSearchRequest(limit=1)),
        lambda: client.crm.pipelines.pipelines_api.get_all("leads"),
        lambda: client.crm.properties.core_api.get_all("leads"),
    )
    for call in calls:
        with pytest.raises((ApiException, PipelinesApiException, PropertiesApiException)) as caught:
            call()
        assert caught.value.status == 403
        body = json.loads(caught.value.body)
        assert body["category"] == "MISSING_SCOPES"
        assert "crm.objects.leads.read" in body["errors"][0]["context"]["requiredGranularScopes"]
    read_only = install(sandbox, scope=DEFAULT_SCOPES + " crm.objects.leads.read")
    reader = hubspot.Client.create(access_token=read_only["access_token"], host=sandbox.base_url)
    assert reader.crm.objects.leads.basic_api.get_page(limit=1).results
    with pytest.raises(ApiException) as no_write:
        reader.crm.objects.leads.basic_api.update(
            lead_id, SimplePublicObjectInput(properties={"hs_lead_label": "HOT"})
        )
    assert no_write.value.status == 403
    assert json.loads(no_write.value.body)["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.leads.write"
    ]


def test_leads_scopes_can_be_granted_as_optional_scopes(sandbox):
    query = urllib.parse.urlencode(
        {
            "client_id": sandbox.client_id,
            "redirect_uri": "http://localhost/callback",
            "scope": "oauth crm.objects.contacts.read",
            "optional_scope": "crm.objects.leads.read crm.objects.leads.write",
        },
        quote_via=urllib.parse.quote,
    )
    answer = requests.get(f"{sandbox.base_url}/oauth/authorize?{query}", allow_redirects=False, timeout=5)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(
        f"{sandbox.base_url}/oauth/v3/token",
        data={
            "grant_type": "authorization_code",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "redirect_uri": "http://localhost/callback",
            "code": code,
        },
        timeout=5,
    ).json()
    assert {"crm.objects.leads.read", "crm.objects.leads.write"} <= set(tokens["scopes"])
    granted = hubspot.Client.create(access_token=tokens["access_token"], host=sandbox.base_url)
    assert granted.crm.objects.leads.basic_api.get_page(limit=2).results


def test_leadq_can_provision_its_own_lead_properties_and_group(sandbox, leads_client):
    properties = leads_client.crm.properties
    labels = {p.name: p for p in properties.core_api.get_all("leads").results}
    assert [o.value for o in labels["hs_lead_label"].options] == ["HOT", "WARM", "COLD"]
    assert [o.value for o in labels["hs_lead_type"].options] == ["NEW_BUSINESS", "UPSELL", "RE_ATTEMPTING"]
    properties.groups_api.create("leads", PropertyGroupCreate(name="leadq", label="leadq", display_order=-1))
    properties.core_api.create(
        "leads",
        PropertyCreate(
            name="leadq_tier", label="leadq tier", type="string", field_type="text", group_name="leadq"
        ),
    )
    lead_id = next(iter(sandbox.sandbox.truth[sandbox.portal_id].leads))
    leads_client.crm.objects.leads.basic_api.update(
        lead_id, SimplePublicObjectInput(properties={"leadq_tier": "L1"})
    )
    assert _portal(sandbox).get("leads", lead_id).props["leadq_tier"] == "L1"
    with pytest.raises(ApiException) as bad_label:
        leads_client.crm.objects.leads.basic_api.update(
            lead_id, SimplePublicObjectInput(properties={"hs_lead_label": "TEPID"})
        )
    assert bad_label.value.status == 400 and "INVALID_OPTION" in _body(bad_label)["message"]


def test_a_rep_creates_and_edits_a_lead_in_the_ui(sandbox, leads_client):
    contact = _contact_without_lead(sandbox)
    base = f"{sandbox.base_url}/_sandbox/hubspot/portals/{sandbox.portal_id}"
    refused = requests.post(
        f"{base}/ui-create", json={"objectType": "leads", "properties": {"hs_lead_name": "Solo"}}, timeout=5
    )
    assert refused.status_code == 400 and refused.json()["message"] == LEAD_NEEDS_CONTACT
    made = requests.post(
        f"{base}/ui-create",
        json={
            "objectType": "leads",
            "properties": {"hs_lead_name": "From the UI"},
            "associations": [
                {
                    "to": {"id": contact.id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 578}],
                }
            ],
        },
        timeout=5,
    )
    assert made.status_code == 201
    owner = next(o for o in _portal(sandbox).owners if not o["archived"])
    edit = {
        "hs_lead_label": "HOT",
        "hubspot_owner_id": owner["id"],
        "hs_pipeline_stage": "qualified-stage-id",
    }
    requests.post(
        f"{base}/ui-edit",
        json={"objectType": "leads", "id": made.json()["id"], "properties": edit},
        timeout=5,
    )
    read = leads_client.crm.objects.leads.basic_api.get_by_id(
        made.json()["id"],
        properties=list(edit) + ["hs_lead_is_open", "hs_lead_is_qualified"],
        properties_with_history=["hs_lead_name"],
    )
    assert {k: read.properties[k] for k in edit} == edit
    assert (read.properties["hs_lead_is_open"], read.properties["hs_lead_is_qualified"]) == ("false", "true")
    assert read.properties_with_history["hs_lead_name"][0].source_type == "CRM_UI"
    page = requests.get(
        f"{sandbox.base_url}/contacts/{sandbox.portal_id}/record/0-1/{contact.id}", timeout=5
    ).text
    assert "From the UI" in page and "Stage: Qualified" in page and "Label: Hot" in page


@pytest.fixture
def wired(sandbox_factory, receiver):
    clock = ManualClock(1_790_000_000.0)
    running = sandbox_factory(seed=11, records=150, clock=clock)
    hub = running.sandbox.webhooks
    hub.duplicate_rate, hub.out_of_order_rate = 0.0, 0.0
    dev = hubspot.Client.create(api_key=running.developer_api_key, host=running.base_url)
    dev.webhooks.settings_api.configure(
        running.app_id,
        SettingsChangeRequest(
            target_url=receiver.url, throttling=ThrottlingSettings(max_concurrent_requests=10)
        ),
    )
    tokens = install(running, scope=LEAD_SCOPES)
    return (
        running,
        clock,
        dev,
        hubspot.Client.create(access_token=tokens["access_token"], host=running.base_url),
    )


def _drain(running: Any, clock: ManualClock) -> None:
    for _ in range(30):
        running.sandbox.webhooks.pump()
        if running.sandbox.webhooks.idle():
            return
        clock.advance(1.0)


def test_a_rep_label_change_is_delivered_as_a_signed_generic_lead_event(wired, receiver):
    running, clock, dev, _client = wired
    dev.webhooks.subscriptions_api.create(
        running.app_id,
        SubscriptionCreateRequest(
            event_type="object.propertyChange",
            object_type_id="0-136",
            property_name="hs_lead_label",
            active=True,
        ),
    )
    lead_id = next(
        i for i, t in running.sandbox.truth[running.portal_id].leads.items() if t["label"] != "HOT"
    )
    requests.post(
        f"{running.base_url}/_sandbox/hubspot/portals/{running.portal_id}/ui-edit",
        json={"objectType": "leads", "id": lead_id, "properties": {"hs_lead_label": "HOT"}},
        timeout=5,
    )
    clock.advance(1)
    _drain(running, clock)
    delivery = receiver.received[0]
    [event] = json.loads(delivery["body"])
    assert event["subscriptionType"] == "object.propertyChange" and event["objectTypeId"] == "0-136"
    assert (event["objectId"], event["propertyName"], event["propertyValue"]) == (
        int(lead_id),
        "hs_lead_label",
        "HOT",
    )
    assert event["changeSource"] == "CRM_UI" and event["sourceId"].startswith("userId:")
    timestamp = delivery["headers"]["x-hubspot-request-timestamp"]
    signed = b"POST" + receiver.url.encode() + delivery["body"] + timestamp.encode()
    expected = base64.b64encode(
        hmac.new(running.client_secret.encode(), signed, hashlib.sha256).digest()
    ).decode()
    assert delivery["headers"]["x-hubspot-signature-v3"] == expected


def test_lead_creation_events_reach_only_an_app_subscribed_to_leads(wired, receiver):
    running, clock, dev, client = wired
    dev.webhooks.subscriptions_api.create(
        running.app_id, SubscriptionCreateRequest(event_type="contact.creation", active=True)
    )
    contact = _contact_without_lead(running)
    new_lead = SimplePublicObjectInputForCreate(
        properties={"hs_lead_name": "Evt"}, associations=[_to_contact(contact.id)]
    )
    client.crm.objects.leads.basic_api.create(new_lead)
    clock.advance(1)
    _drain(running, clock)
    assert receiver.events() == []  # subscribed to contacts only: no lead event
    dev.webhooks.subscriptions_api.create(
        running.app_id,
        SubscriptionCreateRequest(event_type="object.creation", object_type_id="0-136", active=True),
    )
    created = client.crm.objects.leads.basic_api.create(new_lead)
    clock.advance(1)
    _drain(running, clock)
    [event] = receiver.events()
    assert (event["subscriptionType"], event["objectTypeId"], event["objectId"]) == (
        "object.creation",
        "0-136",
        int(created.id),
    )
    assert event["changeFlag"] == "CREATED" and event["changeSource"] == "INTEGRATION"


def test_v4_labels_between_leads_and_contacts_refuse_a_foreign_type_and_move_the_primary(
    sandbox, leads_client
):
    from hubspot.crm.associations.v4 import ApiException as AssociationsApiException
    from hubspot.crm.associations.v4 import AssociationSpec as V4Spec

    truth = sandbox.sandbox.truth[sandbox.portal_id].leads
    lead_id, known = next(iter(truth.items()))
    other = _contact_without_lead(sandbox)
    v4 = leads_client.crm.associations.v4.basic_api
    with pytest.raises(AssociationsApiException) as wrong:  # 1 is contact -> primary company
        v4.create(
            "leads",
            lead_id,
            "contacts",
            other.id,
            [V4Spec(association_category="HUBSPOT_DEFINED", association_type_id=1)],
        )
    assert wrong.value.status == 400 and json.loads(wrong.value.body)["category"] == "VALIDATION_ERROR"
    assert not _portal(sandbox).associated("contacts", other.id, "leads")
    v4.archive("leads", lead_id, "contacts", known["contact"])
    v4.create(
        "leads",
        lead_id,
        "contacts",
        other.id,
        [V4Spec(association_category="HUBSPOT_DEFINED", association_type_id=578)],
    )
    read = leads_client.crm.objects.leads.basic_api.get_by_id(
        lead_id, properties=["hs_primary_contact_id", "hs_associated_contact_email"]
    )
    assert read.properties["hs_primary_contact_id"] == other.id
    assert read.properties["hs_associated_contact_email"] == (other.props.get("email") or None)
    leads_client.crm.objects.leads.basic_api.archive(lead_id)
    with pytest.raises(ApiException) as gone:
        leads_client.crm.objects.leads.basic_api.get_by_id(lead_id)
    assert gone.value.status == 404 and json.loads(gone.value.body)["subCategory"] == "LEAD.NOT_FOUND"
