"""Many workers routing at once: caps are never exceeded and the round robin stays fair.

Four processes route 1,000 leads each against one shared state on real Redis (the only routing
state backend).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest

from tests.integration.routing_worker import NOW, run

WORKERS, LEADS = 4, 1000


def _route_in_parallel(url: str, installation_id: int) -> Counter[str]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        parts = pool.starmap(run, [(url, installation_id, w, LEADS) for w in range(WORKERS)])
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return total


def _check(total: Counter[str], state) -> None:
    from routing.state import week_key

    assert sum(total.values()) == WORKERS * LEADS
    assert total["d"] == 150  # open-lead cap reached, never passed
    assert total["e"] == 300  # weekly cap reached, never passed
    snapshot = state.snapshot(["all"], ["a", "b", "c", "d", "e"], week_key(NOW))
    assert snapshot.loads["d"].open == 150 and snapshot.loads["e"].week == 300
    assert dict(snapshot.pool_counts["all"]) == {k: v for k, v in total.items() if not k.startswith("queue")}
    # Fairness among the uncapped reps: weights 1, 1, 2 share what is left.
    rest = total["a"] + total["b"] + total["c"]
    for rep, weight in (("a", 1), ("b", 1), ("c", 2)):
        assert abs(total[rep] / rest - weight / 4) < 0.02, (rep, total)


@pytest.mark.redis
def test_concurrent_workers_on_redis(redis_client):
    from storage.redis_state import RedisRoutingState
    from tests.support.services import REDIS_URL

    total = _route_in_parallel(REDIS_URL, 77)
    _check(total, RedisRoutingState(redis_client, 77))


def test_release_frees_open_capacity(redis_client):
    from routing.types import Decision
    from storage.redis_state import RedisRoutingState

    state = RedisRoutingState(redis_client, 5)
    decision = Decision("x", None, "account_owner", (), caps=(1, None), counts_toward_load=True)
    assert state.commit(decision, "w") and not state.commit(decision, "w")
    state.release("x")
    assert state.commit(decision, "w")
    stale = Decision("x", None, "round_robin", (), pool="all", expected_version=7, counts_toward_load=True)
    assert not state.commit(stale, "w")
