"""The app is uninstalled in HubSpot (every token revoked) in the middle of a backfill: the
installation is paused with a clear status and reason, the backfill stops at its checkpoint, and
after the admin installs again it resumes from there; every contact is written exactly once."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from leadq.app import create_app
from storage.tables import Installation
from tests.support.faults import leadq_settings_for, wait_until, writes_per_contact
from tests.support.hubspot import Enqueued, install
from tests.support.services import REDIS_URL


@pytest.mark.redis
def test_a_token_revoked_mid_backfill_pauses_and_a_reinstall_resumes_from_the_checkpoint(
    settings, db_url, hubspot, redis_client, mid_backfill
):
    leadq = leadq_settings_for(settings, db_url, REDIS_URL, hubspot)
    redis_client.delete("backfill", "changes", "default", "unacked", "unacked_index")
    backfill = mid_backfill(leadq)
    sessions = backfill.sessions
    requests.post(f"{hubspot.base_url}/_sandbox/hubspot/portals/{hubspot.portal_id}/uninstall", timeout=5)

    def paused() -> bool:
        with sessions() as session:
            return session.scalars(select(Installation)).one().status == "needs_reauth"

    assert wait_until(paused, 30), backfill.log()
    with sessions() as session:
        row = session.scalars(select(Installation)).one()
        assert row.status_reason, "the admin is told why"
    stopped = backfill.cursor()
    time.sleep(1.0)
    assert backfill.cursor().done == stopped.done < 1500, "nothing moves while paused"
    assert stopped.status == "running"

    install(create_app(leadq, enqueue=Enqueued()).test_client(), hubspot)  # the admin installs again
    done = wait_until(lambda: backfill.cursor().status == "done", 120)
    assert done, backfill.log()
    with sessions() as session:
        assert session.scalars(select(Installation)).one().status == "active"
    contacts = hubspot.sandbox.portals[hubspot.portal_id].live("contacts")
    assert all(r.props.get("leadq_tier") for r in contacts)
    written = writes_per_contact(hubspot)
    assert len(written) == len(contacts) == 1500 and set(written.values()) == {1}
