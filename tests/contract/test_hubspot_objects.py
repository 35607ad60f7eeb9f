"""CRM v3 objects through the real SDK: paging, batch read with history, batch update limits."""

from __future__ import annotations

import json

import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
    SimplePublicObjectInput,
)


def test_given_seeded_portal_when_listing_with_after_then_every_contact_is_seen_once(client, sandbox):
    seen, after, pages = [], None, 0
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=50, after=after, properties=["email", "jobtitle"])
        seen.extend(r.id for r in page.results)
        pages += 1
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    assert len(seen) == len(set(seen)) == 120
    assert pages == 3
    listed = sandbox.requests.entries(lambda e: e.path == "/crm/v3/objects/contacts")
    assert listed[0].query["limit"] == ["50"]
    assert listed[0].query["properties"] == ["email", "jobtitle"]  # the SDK repeats the parameter
    assert "after" in listed[1].query


def test_given_limit_above_100_when_listing_then_400_validation_error(client):
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_page(limit=101)
    assert caught.value.status == 400
    assert json.loads(caught.value.body)["category"] == "VALIDATION_ERROR"


def test_given_history_requested_when_batch_reading_then_sources_tell_reps_from_integrations(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    ids = [r.id for r in portal.live("contacts")][:40]
    request = BatchReadInputSimplePublicObjectId(
        properties=["jobtitle", "email"],
        properties_with_history=["jobtitle", "hs_analytics_num_visits"],
        inputs=[SimplePublicObjectId(id=i) for i in ids],
    )
    result = client.crm.contacts.batch_api.read(request)
    assert len(result.results) == 40
    sources = {h.source_type for r in result.results for h in r.properties_with_history["jobtitle"]}
    assert "CRM_UI" in sources and sources & {"IMPORT", "FORM", "INTEGRATION"}
    sent = sandbox.requests.entries(lambda e: e.path.endswith("/batch/read"))[-1].body
    assert sent == {
        "properties": ["jobtitle", "email"],
        "propertiesWithHistory": ["jobtitle", "hs_analytics_num_visits"],
        "inputs": [{"id": i} for i in ids],
    }


def test_given_history_and_51_inputs_when_batch_reading_then_400_names_the_history_limit(client, sandbox):
    ids = [r.id for r in sandbox.sandbox.portals[sandbox.portal_id].live("contacts")][:51]
    request = BatchReadInputSimplePublicObjectId(
        properties=[], properties_with_history=["jobtitle"], inputs=[SimplePublicObjectId(id=i) for i in ids]
    )
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.batch_api.read(request)
    assert caught.value.status == 400
    assert "property histories is 50" in json.loads(caught.value.body)["message"]


def test_given_some_unknown_ids_when_batch_reading_then_207_with_per_id_errors(client, sandbox):
    known = [r.id for r in sandbox.sandbox.portals[sandbox.portal_id].live("contacts")][:2]
    request = BatchReadInputSimplePublicObjectId(
        properties=["email"],
        properties_with_history=[],
        inputs=[SimplePublicObjectId(id=i) for i in [*known, "999999999"]],
    )
    result = client.crm.contacts.batch_api.read(request)
    assert result.num_errors == 1
    assert result.errors[0].category == "OBJECT_NOT_FOUND"
    assert result.errors[0].context == {"ids": ["999999999"]}
    assert {r.id for r in result.results} == set(known)
    assert sandbox.requests.entries(lambda e: e.path.endswith("/batch/read"))[-1].status == 207


def _batch(ids, props):
    return BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=i, properties=props) for i in ids]
    )


def test_given_101_inputs_when_batch_updating_then_400_and_nothing_is_written(client, sandbox):
    ids = [r.id for r in sandbox.sandbox.portals[sandbox.portal_id].live("contacts")][:101]
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.batch_api.update(_batch(ids, {"jobtitle": "VP Sales"}))
    body = json.loads(caught.value.body)
    assert caught.value.status == 400
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert "correlationId" in body and "100" in body["message"]
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    assert not any(
        portal.get("contacts", i).props.get("jobtitle") == "VP Sales"
        and portal.get("contacts", i).history["jobtitle"][0]["sourceType"] == "INTEGRATION"
        for i in ids
    )


def test_given_100_inputs_when_batch_updating_then_all_written_as_the_app(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    ids = [r.id for r in portal.live("contacts")][:100]
    result = client.crm.contacts.batch_api.update(_batch(ids, {"jobtitle": "Head of RevOps"}))
    assert len(result.results) == 100 and result.status == "COMPLETE"
    entry = portal.get("contacts", ids[0]).history["jobtitle"][0]
    assert entry["value"] == "Head of RevOps"
    assert entry["sourceType"] == "INTEGRATION" and entry["sourceId"] == str(sandbox.app_id)
    sent = sandbox.requests.entries(lambda e: e.path.endswith("/batch/update"))[-1].body
    assert sent["inputs"][0] == {"id": ids[0], "properties": {"jobtitle": "Head of RevOps"}}


def test_given_a_property_that_does_not_exist_when_writing_then_400_property_doesnt_exist(client, sandbox):
    contact_id = sandbox.sandbox.portals[sandbox.portal_id].live("contacts")[0].id
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.update(
            contact_id, SimplePublicObjectInput(properties={"leadq_fit": "80"})
        )
    body = json.loads(caught.value.body)
    assert caught.value.status == 400
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    detail = json.loads(body["message"].split(": ", 1)[1])
    assert detail[0]["error"] == "PROPERTY_DOESNT_EXIST" and detail[0]["name"] == "leadq_fit"
    with pytest.raises(ApiException) as batch:
        client.crm.contacts.batch_api.update(_batch([contact_id], {"leadq_fit": "80"}))
    assert batch.value.status == 400 and "PROPERTY_DOESNT_EXIST" in json.loads(batch.value.body)["message"]


def test_given_garbage_values_when_writing_then_400_names_the_problem(client, sandbox):
    company_id = sandbox.sandbox.portals[sandbox.portal_id].live("companies")[0].id
    from hubspot.crm.companies import ApiException as CompanyError
    from hubspot.crm.companies import SimplePublicObjectInput as CompanyInput

    with pytest.raises(CompanyError) as caught:
        client.crm.companies.basic_api.update(
            company_id, CompanyInput(properties={"numberofemployees": "lots", "industry": "SPACE_PIRACY"})
        )
    message = json.loads(caught.value.body)["message"]
    assert "INVALID_INTEGER" in message and "INVALID_OPTION" in message


def test_given_duplicate_ids_when_batch_updating_then_400(client, sandbox):
    contact_id = sandbox.sandbox.portals[sandbox.portal_id].live("contacts")[0].id
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.batch_api.update(_batch([contact_id, contact_id], {"jobtitle": "CEO"}))
    assert caught.value.status == 400 and "Duplicate IDs" in json.loads(caught.value.body)["message"]


def test_given_an_unknown_id_in_a_batch_update_then_207_and_the_rest_is_written(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    contact_id = portal.live("contacts")[0].id
    result = client.crm.contacts.batch_api.update(_batch([contact_id, "424242424"], {"jobtitle": "CMO"}))
    assert result.num_errors == 1 and result.errors[0].context == {"ids": ["424242424"]}
    assert portal.get("contacts", contact_id).props["jobtitle"] == "CMO"


def test_given_an_equal_value_when_writing_then_no_history_entry_is_added(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    record = portal.live("contacts")[0]
    client.crm.contacts.basic_api.update(record.id, SimplePublicObjectInput(properties={"jobtitle": "CTO"}))
    before = len(record.history["jobtitle"])
    client.crm.contacts.basic_api.update(record.id, SimplePublicObjectInput(properties={"jobtitle": "CTO"}))
    assert len(record.history["jobtitle"]) == before


def test_given_a_missing_record_when_reading_then_404_object_not_found(client):
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_by_id("31337")
    assert caught.value.status == 404
    assert json.loads(caught.value.body)["category"] == "OBJECT_NOT_FOUND"


def test_given_associations_requested_when_listing_then_company_ids_come_inline(client, sandbox):
    page = client.crm.contacts.basic_api.get_page(limit=100, associations=["companies"])
    linked = [r for r in page.results if r.associations]
    assert linked
    first = linked[0].associations["companies"].results[0]
    assert first.type == "contact_to_company"
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    assert first.id in portal.associated("contacts", linked[0].id, "companies")


def test_the_date_versioned_paths_serve_the_same_objects(sandbox, tokens):
    import requests

    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    v3 = requests.get(
        f"{sandbox.base_url}/crm/v3/objects/contacts?limit=3", headers=headers, timeout=5
    ).json()
    dated = requests.get(
        f"{sandbox.base_url}/crm/objects/2026-03/contacts?limit=3", headers=headers, timeout=5
    )
    assert dated.status_code == 200 and [r["id"] for r in dated.json()["results"]] == [
        r["id"] for r in v3["results"]
    ]
    searched = requests.post(
        f"{sandbox.base_url}/crm/objects/2026-03/contacts/search",
        json={"limit": 1},
        headers=headers,
        timeout=5,
    )
    assert searched.status_code == 200 and searched.json()["total"] == 120
