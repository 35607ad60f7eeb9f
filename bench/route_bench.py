"""Routing speed: decisions per second with 200 reps, and one decision's p99 with Redis state.

    .venv/bin/python bench/route_bench.py [--decisions 20000] [--redis redis://127.0.0.1:6379/14]

The team: 200 reps in 4 regions, AEs and SDRs, territories, industries, segments,
working hours in their own time zones, PTO, capacities, weights, performance data.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import emit
from core.records import Tier, Verdict
from routing.config import load_routing
from routing.decide import route
from routing.service import route_and_commit
from routing.state import InMemoryRoutingState, week_key
from routing.types import RoutingLead

REGIONS = {
    "emea": (["DE", "GB", "FR", "NL", "ES"], "Europe/Berlin"),
    "na": (["US", "CA"], "America/New_York"),
    "apac": (["AU", "SG", "JP"], "Asia/Singapore"),
    "latam": (["BR", "MX"], "America/Sao_Paulo"),
}
INDUSTRIES = ["software", "it_services", "internet", "financial_services", "healthcare", "retail"]


def team(rng: random.Random, reps: int = 200) -> str:
    lines = []
    for team_name in REGIONS:
        lines += [
            f"[teams.{team_name}]",
            f'queue = "{team_name}"',
            f"[queues.{team_name}]",
            f'owner_id = "q-{team_name}"',
            f'name = "{team_name.upper()} queue"',
        ]
    for i in range(reps):
        region = list(REGIONS)[i % 4]
        countries, tz = REGIONS[region]
        lines += [
            "[[reps]]",
            f'owner_id = "{1000 + i}"',
            f'name = "Rep {i}"',
            f'team = "{region}"',
            f'role = "{"ae" if i % 3 else "sdr"}"',
            f"countries = {countries!r}".replace("'", '"'),
            f"industries = {rng.sample(INDUSTRIES, 3)!r}".replace("'", '"'),
            f"segments = {rng.sample(['smb', 'mid', 'enterprise'], 2)!r}".replace("'", '"'),
            f'timezone = "{tz}"',
            'working_hours = { start = "00:00", end = "23:59" }',
            f"open_capacity = {rng.choice([40, 60, 80])}",
            f"weekly_capacity = {rng.choice([100, 150])}",
            f"weight = {rng.choice([1.0, 1.0, 1.5, 2.0])}",
        ]
        if i % 25 == 0:
            lines.append('pto = ["2026-11-20..2026-11-30"]')
    return "\n".join(lines)


def leads(rng: random.Random, n: int) -> list[RoutingLead]:
    countries = [c for cs, _ in REGIONS.values() for c in cs]
    return [
        RoutingLead(
            str(i),
            rng.choice([Tier.L1, Tier.L2]),
            Verdict.SALES_READY,
            country=rng.choice(countries),
            industry=rng.choice(INDUSTRIES),
            employees=rng.choice([50, 400, 5000]),
            email_domain=f"c{i}.com",
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    rng = random.Random(7)
    config = load_routing(team(rng))
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    batch = leads(rng, args.decisions)
    perf = {
        (r.owner_id, seg): (rng.randint(0, 20), 20)
        for r in config.reps
        for seg in ("smb", "mid", "enterprise")
    }

    state = InMemoryRoutingState()
    started = time.perf_counter()
    owners = Counter(route_and_commit(lead, config, state, now, performance=perf).owner_id for lead in batch)
    elapsed = time.perf_counter() - started
    figures = {"reps": len(config.reps), "decisions_per_s": round(len(batch) / elapsed)}
    print(
        f"{len(config.reps)} reps: {len(batch) / elapsed:,.0f} decisions/s decided and committed "
        f"(in-memory state, one core); {sum(1 for o in owners if o and not o.startswith('q-'))} reps used"
    )

    snapshot = state.snapshot(["ae", "sdr"], [r.owner_id for r in config.reps], week_key(now))
    started = time.perf_counter()
    for lead in batch:
        route(lead, config, snapshot, now)
    figures["pure_route_decisions_per_s"] = round(len(batch) / (time.perf_counter() - started))
    print(f"pure route(): {figures['pure_route_decisions_per_s']:,} decisions/s")

    try:
        import redis

        from storage.redis_state import RedisRoutingState

        client = redis.Redis.from_url(args.redis)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - the Redis figure is optional for this bench
        print(f"redis: skipped ({exc})")
        emit(args.json, {"routing": figures})
        return
    client.flushdb()
    redis_state = RedisRoutingState(client, 1)
    latencies = []
    for index, lead in enumerate(batch[:5000]):
        t0 = time.perf_counter()
        route_and_commit(lead, config, redis_state, now + timedelta(seconds=index), performance=perf)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    print(
        f"one decision incl. Redis snapshot + atomic commit: p50 {statistics.median(latencies):.3f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.3f} ms over {len(latencies):,} decisions"
    )
    client.flushdb()
    figures["redis_decision_p50_ms"] = round(statistics.median(latencies), 3)
    figures["redis_decision_p99_ms"] = round(latencies[int(len(latencies) * 0.99) - 1], 3)
    emit(args.json, {"routing": figures})


if __name__ == "__main__":
    main()
