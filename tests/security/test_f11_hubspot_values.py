"""F11 (security review, December 2026), HubSpot side: a signed event with a 100-digit objectId
(F11.1, PostgreSQL VARCHAR(64)) or an out-of-range ``occurredAt`` (F11.2, any database) is a clear
400, never a 500."""

from __future__ import annotations

import logging

import pytest

from tests.support.hubspot import event, install, signed_post


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("objectId", 10**99),
        ("portalId", 10**99),
        ("occurredAt", 10**20),
        ("occurredAt", -(10**20)),
        ("occurredAt", 2**63),
        ("occurredAt", 253402300800000),
        ("occurredAt", -1),
    ],
)
def test_f11_out_of_range_hubspot_values_are_a_clear_400(client, crm, enqueued, field, value) -> None:
    install(client, crm)
    portal, secret, contact = crm.portal_id, crm.client_secret, 1001
    good = signed_post(client, secret, [event(portal, contact)])
    assert good.status_code == 200 and good.get_json()["accepted"] == 1
    answer = signed_post(client, secret, [event(portal, contact + 1, **{field: value})])
    assert answer.status_code == 400, (answer.status_code, answer.get_data(as_text=True))
    assert answer.get_json()["error"] == "malformed-event" and field in answer.get_json()["message"]
    assert len(enqueued.keys) == 1


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_f11_deeply_nested_signed_hubspot_body_is_400(client, crm, enqueued, caplog, depth) -> None:
    """F11 (re-test): a correctly signed body of thousands of nested ``[`` made json.loads raise
    RecursionError, answered 500 with a traceback in the log. It is malformed JSON: a 400."""
    install(client, crm)
    body = b"[" * depth + b"]" * depth
    with caplog.at_level(logging.INFO):
        answer = signed_post(client, crm.client_secret, [], body=body)
    assert answer.status_code == 400, (answer.status_code, answer.get_data(as_text=True)[:300])
    assert answer.get_json()["error"] == "malformed-json"
    assert "nested too deeply" in answer.get_json()["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
    assert enqueued.keys == []
    good = signed_post(client, crm.client_secret, [event(crm.portal_id, 1001)])
    assert good.status_code == 200 and good.get_json()["accepted"] == 1
