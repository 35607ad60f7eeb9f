"""An installed leadq (sandbox HubSpot, real database and Redis), its worker runtime, and the helpers
of tests that run real worker processes."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest
from sqlalchemy import select

from leadq import live_stack
from storage.tables import Installation, SyncCursor
from tests.support.hubspot import install
from tests.support.services import REDIS_URL
from workers.services.context import Runtime, build_context

# These tests are about the sync mechanics and need plenty of unowned leads assigned: with the
# tier_pool step off, every lead that is not disqualified goes to a rep, whatever its tier and
# verdict (by default only sales-ready leads do; see the verdict/tier matrix in the README).
ROUTING = "[steps]\ntier_pool = false\n"
# Most leads sales-ready (low tier bars, no engagement bar): for tests that need many leads routed to
# reps, which the verdict matrix reserves for sales-ready leads.
OPEN_VERDICTS = (
    "[verdicts]\nsales_ready_min_engagement = 0\nl2_sales_ready_fit = 0\nl2_sales_ready_engagement = 0\n"
    "[tiers]\nL1 = 30\nL2 = 20\nL3 = 10\n"
)


def with_open_routing(sessions) -> int:
    """Give the only installation the ``ROUTING`` above (every lead goes to a rep); its id."""
    with sessions.begin() as session:
        row = session.scalars(select(Installation)).one()
        row.routing_toml = ROUTING
        return int(row.id)


def wait_until(predicate, timeout: float = 45.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (worker processes run apart)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def worker_env(settings) -> dict[str, str]:
    """The worker process (or CLI) gets exactly the web app's settings, through the environment."""
    return live_stack.worker_env(settings) | {"LEADQ_REDIS_URL": REDIS_URL}


def start_worker(env: dict[str, str], queues: str, solo: bool = False) -> subprocess.Popen[Any]:
    """A real Celery worker process on these queues (quiet; ``solo``: one task at a time)."""
    return live_stack.start_worker(env, queues, solo=solo)


# Fixtures (tests/integration/sync and admin, and the security tests of the admin app) ------------------


@pytest.fixture
def crm(sandbox_factory):
    # These tests are about the sync logic, not the rate limit (tests/integration/hubspot covers
    # that): the sandbox and leadq's budget are raised so no test waits out a 10-second window.
    return sandbox_factory(seed=61, records=400, rate_limit=10_000)


@pytest.fixture
def installed(client, crm, sessions):
    install(client, crm)
    return with_open_routing(sessions)


@pytest.fixture
def runtime(leadq_settings, sessions, app, redis_client):
    settings = leadq_settings.model_copy(update={"hubspot_api_budget_per_10s": 5000})
    return Runtime(settings, sessions, app.extensions["leadq"].vault, redis_client)


@pytest.fixture
def ctx(runtime, installed):
    return build_context(runtime, installed)


@pytest.fixture
def served(leadq_settings, live_crm):
    """leadq's web app on a real port, so the sandbox (``live_crm``) can deliver webhooks to it:
    (its settings, its URL, the Flask app)."""
    stack = live_stack.serve_app(leadq_settings)
    yield stack.settings, stack.url, stack.app
    stack.stop()


@pytest.fixture
def worker(served, redis_client):
    """A real worker pool on the changes and backfill queues, its output kept (``worker_output``)."""
    settings, _url, _app = served
    redis_client.delete("changes", "backfill")
    process = live_stack.start_worker(worker_env(settings), "changes,backfill", output=subprocess.PIPE)
    yield process
    live_stack.stop_process(process)


def backfill_on_worker(app, sessions, installation_id: int, timeout: float = 600) -> bool:
    """Send the backfill (people, then accounts) to the real worker; True once the accounts' pass is
    done within ``timeout`` seconds."""
    app.extensions["leadq"].celery.send_task(
        "leadq.backfill", args=[installation_id, None, False], queue="backfill"
    )

    def backfilled() -> bool:
        with sessions() as db:
            rows = {
                c.object_type: c.status
                for c in db.scalars(select(SyncCursor).where(SyncCursor.name == "backfill"))
            }
        return rows.get("account") == "done"

    return wait_until(backfilled, timeout=timeout)


def worker_output(process) -> str:
    if process.poll() is None:
        return "worker still running"
    return process.stdout.read()[-3000:]
