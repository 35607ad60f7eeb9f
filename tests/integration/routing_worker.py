"""One routing worker process for the concurrency tests (module-level so 'spawn' can import it)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import redis

from core.records import Tier, Verdict
from routing.config import load_routing
from routing.service import route_and_commit
from routing.types import RoutingLead
from storage.redis_state import RedisRoutingState

TEAM = """
[pools]
L1 = "all"
[[reps]]
owner_id = "a"
name = "A"
[[reps]]
owner_id = "b"
name = "B"
[[reps]]
owner_id = "c"
name = "C"
weight = 2.0
[[reps]]
owner_id = "d"
name = "D"
open_capacity = 150
[[reps]]
owner_id = "e"
name = "E"
weekly_capacity = 300
"""
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def run(url: str, installation_id: int, worker: int, leads: int) -> dict[str, int]:
    config = load_routing(TEAM)
    state = RedisRoutingState(redis.Redis.from_url(url), installation_id)
    got: Counter[str] = Counter()
    for n in range(leads):
        lead = RoutingLead(f"{worker}-{n}", Tier.L1, Verdict.SALES_READY)
        decision = route_and_commit(lead, config, state, NOW, attempts=500)
        got[decision.owner_id or f"queue:{decision.queue}"] += 1
    return dict(got)
