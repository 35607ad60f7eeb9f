"""Salesforce with real Celery workers: an edit reaches leadq by outbound message or by the
scheduled poll and is written back; a worker SIGKILLed mid-backfill resumes and writes every
record once."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import select

from leadq.app import create_app
from storage.tables import SyncCursor
from tests.support import salesforce as salesforce_support
from tests.support.salesforce import for_org, install, org_of, outbound_path
from tests.support.sync import start_worker, wait_until, worker_env


def _worker(env: dict[str, str], queues: str, pool: str = "prefork"):
    return start_worker(env, queues, solo=pool == "solo")


def _rep(org):
    return next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)


# Fixtures shared with other test files (tests/support).
live = salesforce_support.live
served = salesforce_support.served


@pytest.mark.redis
def test_outbound_message_and_poll_reach_a_real_worker(served, live) -> None:
    settings, url, app = served

    saved = salesforce_support.PUBLIC
    salesforce_support.PUBLIC = url
    try:
        install(app.test_client(), live)
    finally:
        salesforce_support.PUBLIC = saved
    org = org_of(live)
    live.sandbox.outbound.configure(
        org.org_id,
        url + outbound_path(app),
        {"Lead": ["Email", "LastModifiedById", "SystemModstamp"]},
    )
    worker = _worker(worker_env(settings), "changes")
    try:
        lead = next(r for r in org.live("Lead") if not r["IsConverted"])
        org.update("Lead", lead["Id"], {"Title": "VP Revenue Operations"}, _rep(org)["Id"])
        assert wait_until(lambda: org.get("Lead", lead["Id"]).get("LeadQ_Tier__c")), (
            "outbound message not handled"
        )
        written = org.get("Lead", lead["Id"])
        assert written["LeadQ_Reasons__c"] and written["LeadQ_Scored_At__c"]
        # leadq's own write fires an outbound message too: acknowledged, dropped as an echo.
        assert wait_until(lambda: live.sandbox.outbound.idle(), 10)
        assert all(d.acked for d in live.sandbox.outbound.deliveries)
        time.sleep(1.0)
        updates = [
            e
            for e in live.requests.entries(
                lambda e: e.path.endswith("/composite/sobjects") and e.method == "PATCH"
            )
            if any(r["id"] == lead["Id"] for r in e.body["records"])
        ]
        assert len(updates) == 1, "one external change, one write: no echo loop"
        # Without outbound messages, the scheduled poll (what beat runs every interval) finds the edit.
        live.sandbox.outbound.configs.clear()
        app.extensions["leadq"].celery.send_task(
            "leadq.schedule", args=["poll"], queue="changes"
        )  # sets the mark
        time.sleep(2.0)
        other = next(r for r in org.live("Lead") if not r["IsConverted"] and not r.get("LeadQ_Tier__c"))
        org.update("Lead", other["Id"], {"Title": "Head of Data"}, _rep(org)["Id"])
        app.extensions["leadq"].celery.send_task("leadq.schedule", args=["poll"], queue="changes")
        assert wait_until(lambda: org.get("Lead", other["Id"]).get("LeadQ_Tier__c")), "poll did not rescore"
    finally:
        worker.terminate()
        worker.wait(timeout=15)


@pytest.fixture
def big(sandbox_factory):
    running = sandbox_factory(seed=48, records=1500, portals=0, https=True)
    running.sandbox.faults.update(latency_ms=40)  # slow enough to be killed mid-run
    return running


@pytest.mark.redis
def test_a_killed_worker_resumes_the_salesforce_backfill(
    leadq_settings, big, client, sessions, app, redis_client
) -> None:
    settings = for_org(leadq_settings, big)
    web = create_app(settings)
    install(web.test_client(), big)
    installation = 1
    env = worker_env(settings) | {
        "LEADQ_BROKER_VISIBILITY_TIMEOUT_S": "3",
        "LEADQ_SALESFORCE_PAGE_SIZE": "200",
    }
    redis_client.delete("backfill", "unacked", "unacked_index")

    def cursor(obj: str) -> SyncCursor | None:
        with sessions() as session:
            return session.scalars(
                select(SyncCursor).where(SyncCursor.object_type == obj, SyncCursor.name == "backfill")
            ).one_or_none()

    worker = _worker(env, "backfill", pool="solo")
    try:
        web.extensions["leadq"].celery.send_task(
            "leadq.backfill", args=[installation, None, False], queue="backfill"
        )
        assert wait_until(lambda: (c := cursor("lead")) is not None and c.done >= 200, 90)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = cursor("lead").done
        time.sleep(3.5)
        celery = web.extensions["leadq"].celery
        celery.conf.broker_transport_options = {"visibility_timeout": 3}
        with celery.connection_for_write() as connection:
            connection.default_channel.qos.restore_visible(num=100)
        worker = _worker(env, "backfill", pool="solo")
        assert wait_until(lambda: (c := cursor("contact")) is not None and c.status == "done", 180)
    finally:
        worker.kill()
        worker.wait(timeout=10)
    assert killed_at < cursor("lead").done
    org = org_of(big)
    open_leads = [r for r in org.live("Lead") if not r["IsConverted"]]
    assert all(r.get("LeadQ_Tier__c") for r in open_leads + org.live("Contact"))
    written = Counter(
        r["id"]
        for e in big.requests.entries(
            lambda e: e.path.endswith("/composite/sobjects") and e.method == "PATCH"
        )
        for r in e.body["records"]
    )
    assert len(written) == len(open_leads) + len(org.live("Contact"))
    assert set(written.values()) == {1}, "every record written exactly once, even across the kill"


@pytest.mark.redis
def test_revoked_refresh_token_pauses_and_a_reinstall_resumes(served, live, sessions) -> None:
    from storage.tables import Installation, ProcessedEvent

    settings, url, app = served
    saved, salesforce_support.PUBLIC = salesforce_support.PUBLIC, url
    try:
        install(app.test_client(), live)
        org = org_of(live)
        live.sandbox.outbound.configure(
            org.org_id,
            url + outbound_path(app),
            {"Lead": ["LastModifiedById", "SystemModstamp"]},
        )
        worker = _worker(worker_env(settings), "changes")
        try:
            live.sandbox.sf_oauth.revoke_org(org.org_id)  # an admin revoked leadq's access in Salesforce
            lead = next(r for r in org.live("Lead") if not r["IsConverted"])
            org.update("Lead", lead["Id"], {"Title": "Director of Sales"}, _rep(org)["Id"])

            def paused() -> bool:
                with sessions() as session:
                    row = session.scalars(select(Installation)).one()
                    events = session.scalars(select(ProcessedEvent)).all()
                return (
                    row.status == "needs_reauth" and bool(events) and {e.status for e in events} == {"paused"}
                )

            assert wait_until(paused, 30), "the installation was not paused with its change kept"
            assert not org.get("Lead", lead["Id"]).get("LeadQ_Tier__c")
            with sessions() as session:
                assert "invalid_grant" in session.scalars(select(Installation)).one().status_reason
            install(app.test_client(), live)  # the admin connects leadq again
            assert wait_until(lambda: org.get("Lead", lead["Id"]).get("LeadQ_Tier__c"), 30), (
                "work not resumed"
            )
            with sessions() as session:
                assert session.scalars(select(Installation)).one().status == "active"
        finally:
            worker.terminate()
            worker.wait(timeout=15)
    finally:
        salesforce_support.PUBLIC = saved
