"""Scoring speed: bulk throughput with reasons (one core) and single-lead latency.

    .venv/bin/python bench/score_bench.py [--leads 100000]

Leads come from the seeded sandbox CRM (messy titles, e-mails, sizes), the model
is trained on its outcomes; timings exclude data generation and training.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import emit
from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.icp import load_icp
from scoring.parse import parse_email
from scoring.score import score_people, score_person
from scoring.titles import parse_title
from scoring.training import train_crm_model
from tests.builders import NOW, sandbox_examples, sandbox_people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    portal = Portal(portal_id=1, domain="bench.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=5, records=args.leads)  # every lead distinct: no cache flatters the figure
    icp = load_icp()
    model = train_crm_model(sandbox_examples(portal), icp, version="bench").model
    people = base = sandbox_people(portal)
    parse_title.cache_clear()
    parse_email.cache_clear()

    import gc

    gc.collect()
    started = time.perf_counter()
    scores = score_people(people, icp, model, NOW)
    elapsed = time.perf_counter() - started
    assert len(scores) == args.leads and all(s.reasons for s in scores)
    print(
        f"bulk: {args.leads:,} leads with reasons in {elapsed:.2f}s = "
        f"{args.leads / elapsed:,.0f} leads/s (one core)"
    )

    rules_started = time.perf_counter()
    score_people(people[:20_000], icp, None, NOW)
    rules = time.perf_counter() - rules_started
    print(f"bulk, rules only (no model): {20_000 / rules:,.0f} leads/s")

    latencies = []
    for person, account in base[: args.single]:
        t0 = time.perf_counter()
        score_person(person, account, icp, model, NOW)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"single lead: p50 {statistics.median(latencies):.3f} ms, p99 {p99:.3f} ms "
        f"over {len(latencies):,} leads"
    )
    emit(
        args.json,
        {
            "scoring": {
                "leads": args.leads,
                "throughput_leads_per_s": round(args.leads / elapsed),
                "rules_only_leads_per_s": round(20_000 / rules),
                "single_lead_p50_ms": round(statistics.median(latencies), 3),
                "single_lead_p99_ms": round(p99, 3),
                "cores": 1,
            }
        },
    )


if __name__ == "__main__":
    main()
