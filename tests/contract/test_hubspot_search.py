"""CRM search through the real SDK: filters, sort, paging, the 10,000 cap, its own rate limit."""

from __future__ import annotations

import json

import pytest
from hubspot.crm.contacts import ApiException, Filter, FilterGroup, PublicObjectSearchRequest

from sandbox.clock import ManualClock


def _search(client, **kwargs):
    return client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(**kwargs))


def test_given_a_date_window_when_searching_sorted_then_results_are_ordered_and_paged(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    window = Filter(property_name="createdate", operator="GTE", value="0")
    first = _search(
        client,
        filter_groups=[FilterGroup(filters=[window])],
        sorts=[{"propertyName": "createdate", "direction": "ASCENDING"}],
        properties=["email", "createdate"],
        limit=100,
        after="0",
    )
    assert first.total == len(portal.live("contacts"))
    stamps = [r.properties["createdate"] for r in first.results]
    assert stamps == sorted(stamps)
    assert first.paging.next.after == "100"
    second = _search(
        client,
        filter_groups=[FilterGroup(filters=[window])],
        sorts=[{"propertyName": "createdate", "direction": "ASCENDING"}],
        properties=["email"],
        limit=100,
        after=first.paging.next.after,
    )
    assert len(first.results) + len(second.results) == first.total
    sent = sandbox.requests.entries(lambda e: e.path.endswith("/search"))[0].body
    assert sent == {
        "filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GTE", "value": "0"}]}],
        "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
        "properties": ["email", "createdate"],
        "limit": 100,
        "after": "0",
    }


def test_given_filters_when_searching_then_groups_are_ored_and_filters_anded(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    free = {r.id for r in portal.live("contacts") if (r.props.get("email") or "").endswith("@gmail.com")}
    has_title = {r.id for r in portal.live("contacts") if r.props.get("jobtitle")}
    result = _search(
        client,
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="email", operator="CONTAINS_TOKEN", value="*@gmail.com"),
                    Filter(property_name="jobtitle", operator="HAS_PROPERTY"),
                ]
            )
        ],
        limit=200,
    )
    assert {r.id for r in result.results} == free & has_title


def test_given_a_page_size_over_200_when_searching_then_400(client):
    with pytest.raises(ApiException) as caught:
        _search(client, limit=201)
    assert caught.value.status == 400
    assert json.loads(caught.value.body)["category"] == "VALIDATION_ERROR"


def test_given_paging_past_10000_when_searching_then_400_even_with_more_results(sandbox_factory):
    import hubspot

    from sandbox.pytest_plugin import install

    running = sandbox_factory(seed=3, records=10_050, search_rate_limit=1000)
    client = hubspot.Client.create(access_token=install(running)["access_token"], host=running.base_url)
    last_page = _search(client, limit=200, after="9800")
    assert last_page.total == 10_050
    assert last_page.paging.next.after == "10000"  # HubSpot hands out the cursor...
    with pytest.raises(ApiException) as caught:  # ...and then refuses it
        _search(client, limit=200, after=last_page.paging.next.after)
    body = json.loads(caught.value.body)
    assert caught.value.status == 400 and body["category"] == "VALIDATION_ERROR"
    assert "10000" in body["message"]


def test_given_more_than_5_searches_in_a_second_then_429_secondly_without_rate_headers(sandbox_factory):
    import hubspot

    from sandbox.pytest_plugin import install

    clock = ManualClock(1_790_000_000.0)
    running = sandbox_factory(seed=3, records=20, clock=clock)
    client = hubspot.Client.create(access_token=install(running)["access_token"], host=running.base_url)
    for _ in range(5):
        _search(client, limit=1)
    with pytest.raises(ApiException) as caught:
        _search(client, limit=1)
    body = json.loads(caught.value.body)
    assert caught.value.status == 429
    assert body["policyName"] == "SECONDLY" and body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your secondly limit."
    assert "X-HubSpot-RateLimit-Max" not in caught.value.headers
    clock.advance(1.0)
    assert _search(client, limit=1).total == 20


def test_given_too_many_filter_groups_when_searching_then_400(client):
    groups = [FilterGroup(filters=[Filter(property_name="email", operator="HAS_PROPERTY")]) for _ in range(6)]
    with pytest.raises(ApiException) as caught:
        _search(client, filter_groups=groups)
    assert caught.value.status == 400


def test_given_an_indexing_lag_then_fresh_writes_appear_in_search_only_after_it(sandbox_factory):
    import hubspot
    from hubspot.crm.contacts import SimplePublicObjectInput

    from sandbox.pytest_plugin import install

    clock = ManualClock(1_790_000_000.0)
    running = sandbox_factory(seed=4, records=20, clock=clock, search_lag_s=3.0)
    client = hubspot.Client.create(access_token=install(running)["access_token"], host=running.base_url)
    contact = running.sandbox.portals[running.portal_id].live("contacts")[0]
    client.crm.contacts.basic_api.update(
        contact.id, SimplePublicObjectInput(properties={"jobtitle": "Chief Lag Officer"})
    )
    query = [
        FilterGroup(filters=[Filter(property_name="jobtitle", operator="EQ", value="Chief Lag Officer")])
    ]
    assert _search(client, filter_groups=query).total == 0
    clock.advance(3.0)
    assert [r.id for r in _search(client, filter_groups=query).results] == [contact.id]
