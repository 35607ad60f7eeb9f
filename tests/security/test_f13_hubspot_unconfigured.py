"""F13 (security review, December 2026), HubSpot part: with no HubSpot client secret configured
(a Salesforce-only deployment), /webhooks/hubspot refuses every delivery (503, logged); nothing
is ever verified with an empty key."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from leadq.app import create_app
from tests.support.hubspot import event, install, signed_post


def test_f13_hubspot_webhook_refused_without_client_secret(
    client, crm, leadq_settings, enqueued, caplog
) -> None:
    install(client, crm)  # a HubSpot installation is left in the database
    unconfigured = create_app(
        leadq_settings.model_copy(update={"hubspot_client_secret": SecretStr("")}), enqueue=enqueued
    ).test_client()
    with caplog.at_level(logging.WARNING):
        answer = signed_post(unconfigured, "", [event(crm.portal_id, 1001)])  # signed with the empty key
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == "not-configured"
    assert "hubspot.webhook.not-configured" in caplog.text
    assert enqueued.keys == []
