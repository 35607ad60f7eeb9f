"""End to end with a real Celery worker: a rep edits a contact in the sandbox HubSpot, the signed
webhook reaches leadq's web app, a worker scores, routes and writes back, and the new score,
tier, reasons and owner appear on the sandbox record; leadq's own write does not loop."""

from __future__ import annotations

import time

import hubspot
import pytest
import requests
from hubspot.webhooks import SettingsChangeRequest, SubscriptionCreateRequest, ThrottlingSettings

from tests.support import sync as sync_support
from tests.support.hubspot import install
from tests.support.sync import wait_until


@pytest.fixture
def crm(sandbox_factory):
    """The sandbox leadq is configured for, delivering its webhooks in the background."""
    return sandbox_factory(seed=71, records=120, deliver_webhooks=True)


@pytest.fixture
def live_crm(crm):
    return crm


# Fixtures shared with other test directories (tests/support).
served = sync_support.served
worker = sync_support.worker


@pytest.mark.redis
def test_a_rep_edit_is_scored_routed_and_written_back_by_a_real_worker(served, live_crm, worker):
    _settings, url, app = served
    install(app.test_client(), live_crm)
    dev = hubspot.Client.create(api_key=live_crm.developer_api_key, host=live_crm.base_url)
    dev.webhooks.settings_api.configure(
        live_crm.app_id,
        SettingsChangeRequest(
            target_url=f"{url}/webhooks/hubspot", throttling=ThrottlingSettings(max_concurrent_requests=10)
        ),
    )
    for prop in (
        "jobtitle",
        "leadq_tier",
        "hubspot_owner_id",
    ):  # leadq's own fields too: echoes must not loop
        dev.webhooks.subscriptions_api.create(
            live_crm.app_id,
            SubscriptionCreateRequest(event_type="contact.propertyChange", property_name=prop, active=True),
        )
    portal = live_crm.sandbox.portals[live_crm.portal_id]
    contact = next(
        r
        for r in portal.live("contacts")
        if not r.props.get("hubspot_owner_id")
        and r.props.get("email", "").count("@")
        and "gmail" not in r.props["email"]
    )
    requests.post(
        f"{live_crm.base_url}/_sandbox/hubspot/portals/{live_crm.portal_id}/ui-edit",
        json={
            "objectType": "contacts",
            "id": contact.id,
            "properties": {"jobtitle": "VP Revenue Operations"},
        },
        timeout=5,
    )
    def written() -> dict[str, str]:  # under the store's lock: a write applies its fields one by one
        with portal.lock:
            return dict(portal.get("contacts", contact.id).props)

    done = wait_until(lambda: written().get("leadq_tier"))
    if not done:
        worker.terminate()
        deliveries = [(d.status, len(d.events)) for d in live_crm.sandbox.webhooks.deliveries]
        pytest.fail(
            f"no write-back; deliveries {deliveries}; worker: {worker.communicate(timeout=20)[0][-4000:]}"
        )
    props = written()
    assert props["leadq_tier"] in ("L1", "L2", "L3", "L4") and props["leadq_reasons"]
    assert props["leadq_verdict"] and props["leadq_fit_score"] and props["leadq_scored_at"]
    assert live_crm.wait_for_webhooks(10)
    time.sleep(1.0)  # any echo would be processed by now
    writes = live_crm.requests.entries(
        lambda e: (
            e.path.endswith("/contacts/batch/update") and any(i["id"] == contact.id for i in e.body["inputs"])
        )
    )
    assert len(writes) == 1  # one external change, one write: leadq's own webhook did not loop
