"""The broker is killed mid-backfill and started again, on each broker leadq supports.

Redis (without persistence, as it usually runs) comes back empty: the running task dies with it and
its continuation is never published. The watchdog finds the backfill that stopped moving in the
database and requeues it; the backfill resumes at its checkpoint. RabbitMQ (SIGKILLed, its durable
queues kept) redelivers the unacknowledged task once it is back; the watchdog runs all the same.
Either way every contact is written exactly once."""

from __future__ import annotations

import contextlib
import time

import kombu.exceptions
import pytest

from tests.support.faults import Broker, leadq_settings_for, wait_until, writes_per_contact
from workers.celery_app import make_celery


@pytest.mark.backend(
    "postgres",
    reason="its subject is the broker and the workers' recovery, run as in production (PostgreSQL); the "
    "cursors and events they resume from are stored alike on SQLite, tested by tests/integration/sync",
)
@pytest.mark.redis
def test_a_broker_restart_mid_backfill_loses_no_work(
    settings, db_url, hubspot, private_redis, broker: Broker, mid_backfill
):
    leadq = leadq_settings_for(settings, db_url, private_redis.url, hubspot, broker_url=broker.url)
    backfill = mid_backfill(leadq)
    celery = make_celery(leadq)
    broker.kill()  # Redis: queued and unacknowledged tasks are gone with it
    time.sleep(2.0)  # the running task fails on its next Redis call; its continuation has nowhere to go
    broker.start()
    stalled_at = backfill.cursor()
    if broker.kind == "redis":
        assert stalled_at is not None and stalled_at.status == "running" and stalled_at.done < 1500

    def watchdog() -> None:  # what beat sends every LEADQ_WATCHDOG_INTERVAL_S
        with contextlib.suppress(OSError, kombu.exceptions.OperationalError):  # broker coming back
            celery.send_task("leadq.schedule", args=["watchdog"], queue="default")
        time.sleep(1.0)

    done = wait_until(lambda: (c := backfill.cursor()) and c.status == "done", 120, watchdog)
    assert done, f"backfill did not finish: {backfill.cursor().done}; {backfill.log()}"
    portal = hubspot.sandbox.portals[hubspot.portal_id]
    contacts = portal.live("contacts")
    assert all(r.props.get("leadq_tier") for r in contacts), "every contact is scored"
    written = writes_per_contact(hubspot)
    assert len(written) == len(contacts) == 1500
    assert set(written.values()) == {1}, "no contact is written twice"
