"""Four worker processes, one portal: together they never exceed the portal's 10-second budget."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest

from sandbox.pytest_plugin import install
from tests.integration.hubspot.limit_worker import run
from tests.support.services import REDIS_URL

WORKERS, ROUNDS = 4, 40


@pytest.mark.redis
def test_four_workers_share_one_budget_and_lose_nothing(sandbox_factory, redis_client):
    running = sandbox_factory(seed=51, records=80)
    token = install(running)["access_token"]
    contacts = [r.id for r in running.sandbox.portals[running.portal_id].live("contacts")]
    slices = [contacts[w * 20 : (w + 1) * 20] for w in range(WORKERS)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        written = pool.starmap(
            run,
            [
                (running.base_url, token, str(running.portal_id), REDIS_URL, w, slices[w], ROUNDS)
                for w in range(WORKERS)
            ],
        )
    assert sum(written) == WORKERS * ROUNDS * 20
    calls = sorted(e.at for e in running.requests.entries(lambda e: e.area == "api"))
    assert len(calls) == WORKERS * ROUNDS, Counter(
        (e.status, e.path) for e in running.requests.entries(lambda e: e.area == "api")
    )
    busiest = max(sum(1 for t in calls[i:] if t < start + 10.0) for i, start in enumerate(calls))
    assert busiest <= 110, busiest  # HubSpot's limit for the portal, in any 10-second window
    assert not running.requests.entries(lambda e: e.status == 429)
    portal = running.sandbox.portals[running.portal_id]
    for w, ids in enumerate(slices):  # every worker's last write is what the CRM holds
        assert all(portal.get("contacts", i).props["jobtitle"] == f"w{w}-r{ROUNDS - 1}" for i in ids)
