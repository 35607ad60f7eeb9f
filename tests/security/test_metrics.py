"""GET /metrics: off unless a token is configured; with it, counts an operator alerts on, and no
record, token or tenant name."""

from __future__ import annotations

from pydantic import SecretStr

from leadq.app import create_app
from tests.support.hubspot import Enqueued, event, install, signed_post


def test_metrics_are_off_by_default_and_need_the_token(leadq_settings, crm, redis_client):
    plain = create_app(leadq_settings, enqueue=Enqueued()).test_client()
    assert plain.get("/metrics").status_code == 404
    settings = leadq_settings.model_copy(update={"metrics_token": SecretStr("m" * 32)})
    client = create_app(settings, enqueue=Enqueued()).test_client()
    install(client, crm)
    signed_post(client, crm.client_secret, [event(crm.portal_id, 1001), event(crm.portal_id, 1002)])
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {'m' * 32}"})
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert 'leadq_installations{status="active"} 1' in text
    assert 'leadq_change_events{status="queued"} 2' in text
    assert "leadq_oldest_queued_change_seconds" in text and "leadq_broker_up 1" in text
    assert 'leadq_queue_length{queue="changes"}' in text
    assert str(crm.portal_id) not in text and crm.client_secret not in text


def test_the_dead_letter_gauge_counts_records_still_failing_not_resolved_ones(
    leadq_settings, crm, redis_client, sessions
):
    from datetime import UTC, datetime

    from storage.tables import DeadLetter, Installation

    settings = leadq_settings.model_copy(update={"metrics_token": SecretStr("m" * 32)})
    client = create_app(settings, enqueue=Enqueued()).test_client()
    install(client, crm)
    with sessions.begin() as db:
        inst = db.query(Installation).one().id
        for record_id, resolved in (("1001", None), ("1002", None), ("1003", datetime.now(UTC))):
            db.add(
                DeadLetter(
                    installation_id=inst,
                    object_type="contact",
                    record_id=record_id,
                    reason="validation",
                    resolved_at=resolved,
                )
            )
    text = client.get("/metrics", headers={"Authorization": f"Bearer {'m' * 32}"}).get_data(as_text=True)
    assert "leadq_dead_letters 2" in text
