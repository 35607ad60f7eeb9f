"""PostgreSQL crashes (immediate stop: every connection cut) in the middle of a backfill, while a
webhook arrives. The webhook is answered 503 (HubSpot redelivers it), the worker's task retries once
the database is back and resumes at its checkpoint; the redelivered webhook is then processed.
Nothing is lost and no contact is written twice."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from leadq.app import create_app
from storage.tables import ProcessedEvent
from tests.support.faults import leadq_settings_for, wait_until, writes_per_contact
from tests.support.hubspot import event, signed_post
from tests.support.services import REDIS_URL


def _deliver(client, crm, events: list[dict]):
    return signed_post(client, crm.client_secret, events)


@pytest.mark.redis
def test_a_database_crash_mid_backfill_loses_nothing(
    settings, hubspot, private_postgres, redis_client, mid_backfill
):
    leadq = leadq_settings_for(settings, private_postgres.url, REDIS_URL, hubspot)
    leadq = leadq.model_copy(update={"broker_visibility_timeout_s": 5})
    redis_client.delete("backfill", "changes", "default", "unacked", "unacked_index")
    web = create_app(leadq).test_client()
    contact = hubspot.sandbox.portals[hubspot.portal_id].live("contacts")[-1]
    backfill = mid_backfill(leadq)
    private_postgres.stop("immediate")
    change = [event(hubspot.portal_id, int(contact.id), value="Head of Growth")]
    during = _deliver(web, hubspot, change)
    assert during.status_code == 503 and during.headers["Retry-After"], during.get_data(as_text=True)
    time.sleep(2.0)
    private_postgres.start()
    after = _deliver(web, hubspot, change)  # HubSpot's redelivery
    assert after.status_code == 200 and after.get_json()["accepted"] == 1
    done = wait_until(lambda: (c := backfill.cursor()) and c.status == "done", 150)
    assert done, f"backfill did not finish; {backfill.log()}"

    def event_done() -> bool:
        with backfill.sessions() as session:
            return session.scalars(select(ProcessedEvent.status)).all() == ["done"]

    assert wait_until(event_done, 60), backfill.log()
    contacts = hubspot.sandbox.portals[hubspot.portal_id].live("contacts")
    assert all(r.props.get("leadq_tier") for r in contacts), "every contact is scored"
    written = writes_per_contact(hubspot)
    assert len(written) == len(contacts) == 1500
    assert set(written.values()) == {1}, f"written twice: {[k for k, v in written.items() if v > 1][:5]}"
