"""Helpers for tests against the sandbox's HubSpot side: the install, signed webhooks, events."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from leadq.live_stack import install_via_oauth
from sandbox.hubspot.signing import sign_v3

PUBLIC = "http://leadq.test"


class Enqueued:
    def __init__(self) -> None:
        self.calls: list[tuple[int, list[str]]] = []

    def __call__(self, installation_id: int, keys) -> None:
        self.calls.append((installation_id, list(keys)))

    @property
    def keys(self) -> list[str]:
        return [k for _, keys in self.calls for k in keys]


@pytest.fixture
def crm(sandbox_factory):
    """A small sandbox portal (the HubSpot integration and security tests' own)."""
    return sandbox_factory(seed=31, records=60)


def approve(client, crm) -> str:
    """/install/hubspot -> the sandbox's consent page -> the callback URL HubSpot would send back."""
    start = client.get("/install/hubspot")
    assert start.status_code == 302
    consent = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["Location"])
    base = client.application.extensions["leadq"].settings.public_base_url
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{base}/oauth/hubspot/callback"
    return f"{back.path}?{back.query}"


def install(client, crm) -> Any:
    response = install_via_oauth(client, crm, "hubspot")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def ui_edit(
    crm: Any,
    object_type: str,
    record_id: str,
    props: dict[str, str],
    user_id: int | None = None,
    when: str | None = None,
) -> None:
    """A person edits a record in the sandbox HubSpot's own UI (``crm`` has ``base_url`` and
    ``portal_id``): the change lands in the property history as theirs and fires the portal's
    webhooks, as an edit in HubSpot does."""
    body: dict[str, Any] = {"objectType": object_type, "id": record_id, "properties": props}
    if user_id is not None:
        body["userId"] = user_id
    if when:
        body["when"] = when
    answer = requests.post(
        f"{crm.base_url}/_sandbox/hubspot/portals/{crm.portal_id}/ui-edit", json=body, timeout=10
    )
    assert answer.status_code == 200, answer.text


def signed_post(
    client,
    secret: str,
    events: list[dict],
    timestamp_ms: int | None = None,
    body: bytes | None = None,
    signature: str | None = None,
):
    payload = body if body is not None else json.dumps(events).encode()
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sig = signature or sign_v3(secret, "POST", f"{PUBLIC}/webhooks/hubspot", payload, stamp)
    return client.post(
        "/webhooks/hubspot",
        data=payload,
        content_type="application/json",
        headers={"X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": str(stamp)},
    )


def event(portal_id: int, object_id: int, prop: str = "jobtitle", value: str = "VP Sales", **extra) -> dict:
    return {
        "eventId": 1000 + object_id,
        "subscriptionId": 7,
        "portalId": portal_id,
        "appId": 1,
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": object_id,
        "propertyName": prop,
        "propertyValue": value,
        "changeSource": "CRM_UI",
        "sourceId": "userId:9000001",
    } | extra


def code_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["code"][0]
