"""A worker SIGKILLed mid-backfill: the task is redelivered, resumes at the checkpoint, and every
record is written exactly once."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import select

from storage.tables import SyncCursor
from tests.support.sync import start_worker, wait_until, worker_env


@pytest.fixture
def crm(sandbox_factory):
    running = sandbox_factory(seed=81, records=1500)
    running.sandbox.faults.update(latency_ms=30)  # slow enough to be killed mid-run
    return running


def _start_worker(env: dict[str, str]):
    return start_worker(env, "backfill", solo=True)


def _cursor(sessions, installation_id: int) -> SyncCursor | None:
    with sessions() as session:
        return session.scalars(
            select(SyncCursor).where(
                SyncCursor.installation_id == installation_id,
                SyncCursor.name == "backfill",
                SyncCursor.object_type == "contact",  # the companies' pass follows with its own cursor
            )
        ).one_or_none()


@pytest.mark.redis
def test_a_killed_worker_resumes_and_writes_every_record_once(
    leadq_settings, installed, crm, sessions, app, redis_client
):
    env = worker_env(leadq_settings) | {"LEADQ_BROKER_VISIBILITY_TIMEOUT_S": "3"}
    redis_client.delete("backfill", "unacked", "unacked_index")
    worker = _start_worker(env)
    try:
        app.extensions["leadq"].celery.send_task(
            "leadq.backfill", args=[installed, "contact", False], queue="backfill"
        )
        assert wait_until(lambda: (c := _cursor(sessions, installed)) is not None and c.done >= 300, 60)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = _cursor(sessions, installed).done
        assert killed_at < 1500
        # The unacknowledged task comes back once its visibility timeout (3 s here) passes. Redis's
        # transport restores such messages on its own schedule; ask it now so the test is prompt.
        time.sleep(3.5)
        celery = app.extensions["leadq"].celery
        celery.conf.broker_transport_options = {"visibility_timeout": 3}
        with celery.connection_for_write() as connection:
            connection.default_channel.qos.restore_visible(num=100)
        worker = _start_worker(env)
        assert wait_until(lambda: _cursor(sessions, installed).status == "done", 120)
    finally:
        worker.kill()
        worker.wait(timeout=10)
    portal = crm.sandbox.portals[crm.portal_id]
    assert all(r.props.get("leadq_tier") for r in portal.live("contacts"))
    written = Counter(
        i["id"]
        for e in crm.requests.entries(lambda e: e.path.endswith("/contacts/batch/update"))
        for i in e.body["inputs"]
    )
    assert len(written) == 1500 and set(written.values()) == {1}  # every record written exactly once
