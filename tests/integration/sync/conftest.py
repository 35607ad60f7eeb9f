"""An installed leadq (sandbox HubSpot, real database and Redis) and its worker runtime."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from storage.tables import Installation
from tests.integration.hubspot.conftest import (  # noqa: F401 - fixtures reused
    Enqueued,
    app,
    client,
    enqueued,
    install,
    leadq_settings,
)
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


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    # These tests are about the sync logic, not the rate limit (tests/integration/hubspot covers
    # that): the sandbox and leadq's budget are raised so no test waits out a 10-second window.
    return sandbox_factory(seed=61, records=400, rate_limit=10_000)


@pytest.fixture
def installed(client, crm, sessions):  # type: ignore[no-untyped-def]  # noqa: F811
    install(client, crm)
    with sessions.begin() as session:
        row = session.scalars(select(Installation)).one()
        row.routing_toml = ROUTING
        return row.id


@pytest.fixture
def runtime(leadq_settings, sessions, app, redis_client):  # type: ignore[no-untyped-def]  # noqa: F811
    settings = leadq_settings.model_copy(update={"hubspot_api_budget_per_10s": 5000})
    return Runtime(settings, sessions, app.extensions["leadq"].vault, redis_client)


@pytest.fixture
def ctx(runtime, installed):  # type: ignore[no-untyped-def]
    return build_context(runtime, installed)


def wait_until(predicate, timeout: float = 45.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (worker processes run apart)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def start_worker(env: dict[str, str], queues: str, solo: bool = False):  # type: ignore[no-untyped-def]
    """A real Celery worker process on these queues (quiet; ``solo``: one task at a time)."""
    import subprocess

    from workers.launch import worker_command

    command = worker_command(queues, solo=solo)
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
