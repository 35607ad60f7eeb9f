"""POST /webhooks/hubspot: each rung of the ladder, with nothing queued twice."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from core.records import CrmKind
from storage import installations
from storage.tables import ProcessedEvent
from tests.support.hubspot import event, install, signed_post


@pytest.fixture
def installed(client, crm):
    install(client, crm)
    return crm


def _queued(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent))


def test_a_signed_batch_is_recorded_and_queued_once(client, installed, enqueued, sessions):
    events = [event(installed.portal_id, 1001 + i) for i in range(3)]
    response = signed_post(client, installed.client_secret, events)
    assert response.status_code == 200 and response.get_json()["accepted"] == 3
    assert len(enqueued.calls) == 1 and len(enqueued.keys) == 3 and _queued(sessions) == 3


def test_a_replayed_delivery_is_not_queued_again(client, installed, enqueued, sessions):
    events = [event(installed.portal_id, 1001), event(installed.portal_id, 1002)]
    signed_post(client, installed.client_secret, events)
    again = signed_post(client, installed.client_secret, list(reversed(events)))  # out of order too
    assert again.status_code == 200 and again.get_json() | {} == {
        "accepted": 0,
        "duplicates": 2,
        "echoes": 0,
        "unknown_portal": 0,
        "paused": 0,
    }
    assert len(enqueued.keys) == 2 and _queued(sessions) == 2


def test_the_same_event_id_with_other_content_is_not_a_duplicate(client, installed, enqueued):
    first = event(installed.portal_id, 1001, value="CEO")
    second = dict(first, propertyValue="CFO")  # HubSpot repeats eventIds: dedupe on content
    response = signed_post(client, installed.client_secret, [first, second])
    assert response.get_json()["accepted"] == 2


def test_leadqs_own_writes_are_dropped_as_echoes(client, installed, enqueued):
    own = event(
        installed.portal_id,
        1001,
        prop="leadq_tier",
        value="L1",
        changeSource="INTEGRATION",
        sourceId=str(installed.app_id),
    )
    other_app = event(installed.portal_id, 1002, changeSource="INTEGRATION", sourceId="7749201")
    body = signed_post(client, installed.client_secret, [own, other_app]).get_json()
    assert body["echoes"] == 1 and body["accepted"] == 1 and len(enqueued.keys) == 1


@pytest.mark.parametrize(
    ("kwargs", "status", "reason"),
    [
        ({"signature": "bm90IHRoZSBzaWduYXR1cmU="}, 401, "invalid-signature"),
        ({"timestamp_ms": int(time.time() * 1000) - 301_000}, 401, "stale-timestamp"),
        ({"body": b"[{not json"}, 400, "malformed-json"),
        ({"body": b'{"portalId": 1}'}, 400, "malformed-payload"),
        (
            {
                "body": b'[{"subscriptionType": "contact.creation", "portalId": "x", '
                b'"objectId": 1, "occurredAt": 1}]'
            },
            400,
            "malformed-event",
        ),
        ({"body": json.dumps([{"x": 1}] * 101).encode()}, 400, "too-many-events"),
    ],
)
def test_bad_deliveries_are_refused_and_nothing_is_queued(
    client, installed, enqueued, sessions, kwargs, status, reason, caplog
):
    response = signed_post(client, installed.client_secret, [event(installed.portal_id, 1)], **kwargs)
    assert response.status_code == status and response.get_json()["error"] == reason
    assert enqueued.calls == [] and _queued(sessions) == 0
    assert f"hubspot.webhook.{reason}" in caplog.text and "not json" not in caplog.text


def test_missing_headers_and_an_oversized_body_are_refused(client, installed, enqueued):
    bare = client.post("/webhooks/hubspot", data=b"[]", content_type="application/json")
    assert bare.status_code == 401 and bare.get_json()["error"] == "missing-signature"
    huge = client.post(
        "/webhooks/hubspot", data=b"[" + b" " * 2_000_000 + b"]", content_type="application/json"
    )
    assert huge.status_code == 413 and enqueued.calls == []


def test_an_unknown_portal_is_acknowledged_so_hubspot_stops_retrying(client, installed, enqueued, caplog):
    response = signed_post(client, installed.client_secret, [event(99999, 1)])
    assert response.status_code == 200 and response.get_json()["unknown_portal"] == 1
    assert enqueued.calls == [] and "hubspot.webhook.unknown-portal" in caplog.text


def test_a_paused_installation_keeps_its_events_and_resumes_after_reinstall(
    client, installed, enqueued, sessions
):
    with sessions.begin() as session:
        row = installations.find(session, CrmKind.HUBSPOT, str(installed.portal_id))
        installations.set_status(session, row.id, installations.NEEDS_REAUTH, "refresh token revoked")
    body = signed_post(client, installed.client_secret, [event(installed.portal_id, 5)]).get_json()
    assert body["paused"] == 1 and enqueued.calls == []
    install(client, installed)  # the admin reinstalls
    assert len(enqueued.keys) == 1


@pytest.mark.redis
def test_accepted_events_reach_the_real_celery_queue_on_redis(leadq_settings, installed, redis_client):
    from leadq.app import create_app

    real = create_app(leadq_settings).test_client()  # no override: Celery on the test Redis
    redis_client.delete("changes")
    response = signed_post(real, installed.client_secret, [event(installed.portal_id, 77)])
    assert response.status_code == 200
    messages = redis_client.lrange("changes", 0, -1)
    assert len(messages) == 1
    envelope = json.loads(messages[0])
    assert envelope["headers"]["task"] == "leadq.process_changes"
    assert "access_token" not in messages[0].decode()


def test_the_signed_uri_is_the_public_one_with_hubspots_decoding(leadq_settings, installed, enqueued):
    from leadq.app import create_app
    from sandbox.hubspot.signing import sign_v3

    behind_proxy = create_app(
        leadq_settings.model_copy(update={"public_base_url": "https://leadq.example.com"}), enqueue=enqueued
    ).test_client()
    payload = json.dumps([event(installed.portal_id, 42)]).encode()
    stamp = int(time.time() * 1000)
    # HubSpot called https://leadq.example.com/webhooks/hubspot?src=a%3Ab and signed it with %3A decoded.
    signature = sign_v3(
        installed.client_secret, "POST", "https://leadq.example.com/webhooks/hubspot?src=a:b", payload, stamp
    )
    response = behind_proxy.post(
        "/webhooks/hubspot?src=a%3Ab",
        data=payload,
        content_type="application/json",
        headers={"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": str(stamp)},
        base_url="http://10.0.0.7:8000",
    )  # the app sees an internal address
    assert response.status_code == 200 and response.get_json()["accepted"] == 1
