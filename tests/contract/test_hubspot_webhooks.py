"""Webhooks: the developer API the SDK calls, signed batched deliveries, retries, duplicates."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import hubspot
import pytest
from hubspot.crm.contacts import SimplePublicObjectInput
from hubspot.webhooks import SettingsChangeRequest, SubscriptionCreateRequest, ThrottlingSettings

from sandbox.clock import ManualClock
from sandbox.hubspot.signing import sign_v3
from sandbox.pytest_plugin import install


def test_hubspot_published_v3_signature_vector_is_reproduced():
    body = (
        b'[{"eventId":531833541,"subscriptionId":3923621,"portalId":48807704,"appId":16111050,'
        b'"occurredAt":1752613920733,"subscriptionType":"contact.creation","attemptNumber":0,'
        b'"objectId":138017612137,"changeFlag":"CREATED","changeSource":"CRM_UI","sourceId":"userId:76023669"}]'
    )
    signature = sign_v3(
        "cfc68c0b-4b4e-4ef8-b764-95350e4ea479",
        "POST",
        "https://webhook.site/335453f5-94b3-49d9-b684-a55354d4b8df",
        body,
        1752613922216,
    )
    assert signature == "gbj1XPRvUt0noT7i7fXfTzOD4sLzQmf0VT28ZYq0EYg="


def _subscribe(running, receiver, properties=("jobtitle", "email")):
    dev = hubspot.Client.create(api_key=running.developer_api_key, host=running.base_url)
    dev.webhooks.settings_api.configure(
        running.app_id,
        SettingsChangeRequest(
            target_url=receiver.url, throttling=ThrottlingSettings(max_concurrent_requests=10)
        ),
    )
    dev.webhooks.subscriptions_api.create(
        running.app_id, SubscriptionCreateRequest(event_type="contact.creation", active=True)
    )
    for name in properties:
        dev.webhooks.subscriptions_api.create(
            running.app_id,
            SubscriptionCreateRequest(event_type="contact.propertyChange", property_name=name, active=True),
        )
    return dev


@pytest.fixture
def wired(sandbox_factory, receiver):
    clock = ManualClock(1_790_000_000.0)
    running = sandbox_factory(seed=11, records=150, clock=clock)
    hub = running.sandbox.webhooks
    hub.duplicate_rate, hub.out_of_order_rate, hub.retry_base_s = 0.0, 0.0, 1.0
    _subscribe(running, receiver)
    tokens = install(running)
    client = hubspot.Client.create(access_token=tokens["access_token"], host=running.base_url)
    return running, clock, client


def _drain(running, clock, steps=30, step_s=1.0):
    for _ in range(steps):
        running.sandbox.webhooks.pump()
        if running.sandbox.webhooks.idle():
            return
        clock.advance(step_s)


def test_given_subscriptions_via_the_sdk_then_the_developer_api_lists_them(sandbox, receiver):
    dev = _subscribe(sandbox, receiver)
    subs = dev.webhooks.subscriptions_api.get_all(sandbox.app_id).results
    assert {(s.event_type, s.property_name) for s in subs} == {
        ("contact.creation", None),
        ("contact.propertyChange", "jobtitle"),
        ("contact.propertyChange", "email"),
    }
    assert dev.webhooks.settings_api.get_all(sandbox.app_id).target_url == receiver.url
    assert sandbox.requests.entries(lambda e: e.area == "webhooks-admin")[0].query["hapikey"]


def test_given_a_rep_edit_when_delivered_then_the_batch_is_signed_and_carries_the_source(wired, receiver):
    running, clock, _client = wired
    contact = running.sandbox.portals[running.portal_id].live("contacts")[0]
    import requests

    requests.post(
        f"{running.base_url}/_sandbox/hubspot/portals/{running.portal_id}/ui-edit",
        json={"objectType": "contacts", "id": contact.id, "properties": {"jobtitle": "VP Sales"}},
        timeout=5,
    )
    clock.advance(1)
    _drain(running, clock)
    delivery = receiver.received[0]
    events = json.loads(delivery["body"])
    assert events[0]["subscriptionType"] == "contact.propertyChange"
    assert events[0]["propertyName"] == "jobtitle" and events[0]["propertyValue"] == "VP Sales"
    assert events[0]["changeSource"] == "CRM_UI" and events[0]["sourceId"].startswith("userId:")
    assert events[0]["objectId"] == int(contact.id) and events[0]["portalId"] == running.portal_id
    timestamp = delivery["headers"]["x-hubspot-request-timestamp"]
    source = b"POST" + receiver.url.encode() + delivery["body"] + timestamp.encode()
    expected = base64.b64encode(
        hmac.new(running.client_secret.encode(), source, hashlib.sha256).digest()
    ).decode()
    assert delivery["headers"]["x-hubspot-signature-v3"] == expected


def test_given_an_app_write_then_the_event_names_the_integration_so_it_can_skip_its_echo(wired, receiver):
    running, clock, client = wired
    contact = running.sandbox.portals[running.portal_id].live("contacts")[0]
    client.crm.contacts.basic_api.update(contact.id, SimplePublicObjectInput(properties={"jobtitle": "CRO"}))
    clock.advance(1)
    _drain(running, clock)
    event = receiver.events()[0]
    assert event["changeSource"] == "INTEGRATION" and event["sourceId"] == str(running.app_id)


def test_given_250_changes_then_deliveries_are_batched_at_most_100(wired, receiver):
    running, clock, client = wired
    from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput

    ids = [r.id for r in running.sandbox.portals[running.portal_id].live("contacts")][:125]
    for title in ("Chief Webhook Officer", "Head of Batching"):  # titles no seeded contact has
        client.crm.contacts.batch_api.update(
            BatchInputSimplePublicObjectBatchInput(
                inputs=[SimplePublicObjectBatchInput(id=i, properties={"jobtitle": title}) for i in ids[:100]]
            )
        )
        client.crm.contacts.batch_api.update(
            BatchInputSimplePublicObjectBatchInput(
                inputs=[SimplePublicObjectBatchInput(id=i, properties={"jobtitle": title}) for i in ids[100:]]
            )
        )
    clock.advance(1)
    _drain(running, clock)
    sizes = [len(json.loads(r["body"])) for r in receiver.received]
    assert max(sizes) == 100 and sum(sizes) == 250


def _edit_with_failures(wired, receiver, failures: int, title: str):
    running, clock, client = wired
    receiver.fail_next = failures
    contact = running.sandbox.portals[running.portal_id].live("contacts")[0]
    client.crm.contacts.basic_api.update(contact.id, SimplePublicObjectInput(properties={"jobtitle": title}))
    clock.advance(1)
    return running, clock


def test_given_a_failing_target_then_the_batch_is_retried_until_acknowledged(wired, receiver):
    running, clock = _edit_with_failures(wired, receiver, failures=3, title="CFO")
    _drain(running, clock, steps=60, step_s=2.0)
    answered = [r["answered"] for r in receiver.received]
    assert answered == [503, 503, 503, 204]
    attempts = [json.loads(r["body"])[0]["attemptNumber"] for r in receiver.received]
    assert attempts == [0, 1, 2, 3]
    assert running.sandbox.webhooks.dropped == []


def test_given_a_target_that_never_recovers_then_hubspot_gives_up_after_10_retries(wired, receiver):
    running, clock = _edit_with_failures(wired, receiver, failures=1000, title="CTO")
    _drain(running, clock, steps=200, step_s=60.0)
    assert len(receiver.received) == 11
    assert len(running.sandbox.webhooks.dropped) == 1


def test_given_duplicates_and_shuffling_enabled_then_some_batches_arrive_twice_and_reordered(wired, receiver):
    running, clock, client = wired
    hub = running.sandbox.webhooks
    hub.duplicate_rate, hub.out_of_order_rate = 1.0, 1.0
    from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput

    ids = [r.id for r in running.sandbox.portals[running.portal_id].live("contacts")][:30]
    client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[SimplePublicObjectBatchInput(id=i, properties={"jobtitle": "CMO"}) for i in ids]
        )
    )
    clock.advance(1)
    _drain(running, clock)
    assert len(receiver.received) == 2 and receiver.received[0]["body"] != receiver.received[1]["body"]
    first, second = (json.loads(r["body"]) for r in receiver.received)
    assert sorted(e["objectId"] for e in first) == sorted(e["objectId"] for e in second)
    assert [e["objectId"] for e in first] != sorted(e["objectId"] for e in first)


def test_given_the_app_is_not_installed_then_nothing_is_delivered(sandbox_factory, receiver):
    running = sandbox_factory(seed=12, records=10)
    _subscribe(running, receiver)
    portal = running.sandbox.portals[running.portal_id]
    from sandbox.hubspot.store import Source

    portal.update(
        "contacts", portal.live("contacts")[0].id, {"jobtitle": "CEO"}, Source("CRM_UI", "userId:1")
    )
    assert running.sandbox.webhooks.pending_count() == 0


def test_given_the_threaded_deliverer_then_events_arrive_without_manual_pumping(sandbox_factory, receiver):
    running = sandbox_factory(seed=13, records=10, deliver_webhooks=True)
    _subscribe(running, receiver)
    client = hubspot.Client.create(access_token=install(running)["access_token"], host=running.base_url)
    contact = running.sandbox.portals[running.portal_id].live("contacts")[0]
    client.crm.contacts.basic_api.update(
        contact.id, SimplePublicObjectInput(properties={"email": "new@acme.io"})
    )
    assert running.wait_for_webhooks(10)
    assert next(e["propertyValue"] for e in receiver.events()) == "new@acme.io"
