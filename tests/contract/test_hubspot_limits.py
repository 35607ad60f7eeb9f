"""Rate limits, fault injection, HTTPS with a CA bundle, and the request log."""

from __future__ import annotations

import json

import hubspot
import pytest
import requests
from hubspot.crm.contacts import ApiException

from sandbox.clock import ManualClock
from sandbox.pytest_plugin import install


def test_given_110_calls_in_10_seconds_then_the_next_is_429_ten_secondly_rolling(sandbox_factory):
    clock = ManualClock(1_790_000_000.0)
    running = sandbox_factory(seed=21, records=5, clock=clock)
    token = install(running)["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    url = f"{running.base_url}/crm/v3/objects/contacts?limit=1"
    remaining = [
        int(session.get(url, timeout=5).headers["X-HubSpot-RateLimit-Remaining"]) for _ in range(110)
    ]
    assert remaining[0] == 109 and remaining[-1] == 0
    client = hubspot.Client.create(access_token=token, host=running.base_url)
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_page(limit=1)
    body = json.loads(caught.value.body)
    assert caught.value.status == 429
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert caught.value.headers["X-HubSpot-RateLimit-Max"] == "110"
    assert caught.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert caught.value.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    clock.advance(10.0)  # the window rolls: calls are allowed again
    assert client.crm.contacts.basic_api.get_page(limit=1).results


def test_given_two_portals_then_each_has_its_own_rate_limit_bucket(sandbox_factory):
    clock = ManualClock(1_790_000_000.0)
    running = sandbox_factory(seed=22, records=5, portals=2, clock=clock, rate_limit=3)
    first, second = list(running.sandbox.portals)
    one = hubspot.Client.create(
        access_token=install(running, portal_id=first)["access_token"], host=running.base_url
    )
    two = hubspot.Client.create(
        access_token=install(running, portal_id=second)["access_token"], host=running.base_url
    )
    for _ in range(3):
        one.crm.contacts.basic_api.get_page(limit=1)
    with pytest.raises(ApiException):
        one.crm.contacts.basic_api.get_page(limit=1)
    assert two.crm.contacts.basic_api.get_page(limit=1).results


def test_given_fault_knobs_then_the_share_of_429_and_5xx_follows_them(sandbox_factory):
    running = sandbox_factory(seed=23, records=5, rate_limit=100_000)
    token = install(running)["access_token"]
    requests.post(f"{running.base_url}/_sandbox/faults", json={"rate_429": 0.3, "rate_5xx": 0.2}, timeout=5)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    statuses = [
        session.get(f"{running.base_url}/crm/v3/objects/contacts?limit=1", timeout=5).status_code
        for _ in range(400)
    ]
    share_429 = statuses.count(429) / 400
    share_5xx = sum(s >= 500 for s in statuses) / 400
    assert 0.22 < share_429 < 0.38 and 0.13 < share_5xx < 0.27
    requests.post(f"{running.base_url}/_sandbox/faults", json={"rate_429": 0, "rate_5xx": 0}, timeout=5)
    assert session.get(f"{running.base_url}/crm/v3/objects/contacts?limit=1", timeout=5).status_code == 200
    bad = requests.post(f"{running.base_url}/_sandbox/faults", json={"rate_429": 2}, timeout=5)
    assert bad.status_code == 400


def test_given_https_then_the_real_sdk_trusts_the_sandbox_through_the_ca_bundle_only(sandbox_factory):
    running = sandbox_factory(seed=24, records=5, https=True)
    assert running.base_url.startswith("https://")
    tokens = install(running)
    client = hubspot.Client.create(
        access_token=tokens["access_token"], host=running.base_url, ssl_ca_cert=str(running.ca_bundle)
    )
    assert len(client.crm.contacts.basic_api.get_page(limit=5).results) == 5
    assert requests.get(f"{running.base_url}/_sandbox/info", verify=str(running.ca_bundle), timeout=5).ok
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{running.base_url}/_sandbox/info", timeout=5)  # not trusted by default


def test_given_calls_then_the_request_log_records_each_with_area_portal_and_status(sandbox):
    client = hubspot.Client.create(access_token=install(sandbox)["access_token"], host=sandbox.base_url)
    client.crm.contacts.basic_api.get_page(limit=2)
    api = sandbox.requests.entries(lambda e: e.area == "api")
    assert len(api) == 1 and api[0].portal_id == sandbox.portal_id and api[0].status == 200
    assert sandbox.requests.count(area="oauth") == 2  # authorize + token
    remote = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    assert remote["total"] >= 3 and {"method", "path", "status", "area"} <= set(remote["entries"][0])
    assert all("Authorization" not in e.headers for e in sandbox.requests.entries())


def test_given_added_latency_then_every_api_call_takes_at_least_that_long(sandbox_factory):
    import time

    running = sandbox_factory(seed=25, records=5)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {install(running)['access_token']}"
    running.sandbox.faults.update(latency_ms=80)
    started = time.monotonic()
    assert session.get(f"{running.base_url}/crm/v3/objects/contacts?limit=1", timeout=5).ok
    assert time.monotonic() - started >= 0.08
