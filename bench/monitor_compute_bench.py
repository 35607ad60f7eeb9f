"""Monitoring's computation: ``monitoring.compute.monitor`` on a synthetic installation, timed.

    .venv/bin/python bench/monitor_compute_bench.py [--records 1000000] [--json var/bench/figures.json]

The installation (``synthetic_input``): ``n`` scored records and ``n`` scores written over 16 weeks,
priority the percentile of a calibrated probability and tiers cut from it (L1 >= 85, L2 >= 65,
L3 >= 35), outcomes drawn from those probabilities (older records more often decided), a model
trained on the window ending 12 weeks ago; n / 5 routing decisions over 8 weeks in four weighted
pools of ten reps; the training window's and 12 weeks' input samples of 20,000 rows each. Only
``monitor()`` is timed (building the input is not; the store read is the storage benchmark's).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import emit
from monitoring.compute import monitor
from monitoring.frames import (
    LOST,
    OPEN,
    WON,
    InputSample,
    MonitorInput,
    RepFacts,
    RoutingLog,
    ScoredLeads,
    ScoreStream,
)

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # a Monday morning: the Monday report
WEEKS = 16
TRAINING_END_WEEKS_AGO = 12
SAMPLE_ROWS = 20_000
POOLS = ("emea", "na", "apac", "latam")
REPS_PER_POOL = 10
FLOOR, CAP = 0.8, 1.25


def _now64() -> np.datetime64:
    return np.datetime64(NOW.replace(tzinfo=None), "s")


def _seconds(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[s]")


def _priority(probability: np.ndarray) -> np.ndarray:
    """0-100: the probability's percentile (what the model's priority edges give)."""
    rank = np.argsort(np.argsort(probability, kind="stable"), kind="stable")
    return np.floor(rank * 100.0 / probability.size)


def _tiers(priority: np.ndarray) -> np.ndarray:
    return np.select([priority >= 85, priority >= 65, priority >= 35], [1, 2, 3], 4).astype(np.int8)


def scored_leads(rng: np.random.Generator, n: int) -> ScoredLeads:
    now = _now64()
    age = rng.uniform(0, WEEKS * 7 * 86_400, n)
    cohort = now - _seconds(age)
    probability = rng.beta(1.2, 8.0, n)
    priority = _priority(probability)
    decided = rng.random(n) < 1 - np.exp(-age / (35 * 86_400))
    won = rng.random(n) < probability
    outcome = np.where(decided, np.where(won, WON, LOST), OPEN).astype(np.int8)
    outcome_at = cohort + _seconds(rng.uniform(0, 1, n) * age)
    outcome_at[~decided] = np.datetime64("NaT")
    training_end = now - np.timedelta64(TRAINING_END_WEEKS_AGO * 7, "D")
    unseen = ~decided | (outcome_at >= training_end)
    rules = cohort < training_end - np.timedelta64(14, "D")  # before the first model: the rules scored
    probability[rules] = np.nan
    return ScoredLeads(
        cohort=cohort,
        decisive=np.where(decided, outcome_at, now - _seconds(rng.uniform(0, 1, n) * age)),
        tier=_tiers(priority),
        probability=probability,
        outcome=outcome,
        outcome_at=outcome_at,
        unseen=unseen,
        priority=priority,
    )


def score_stream(rng: np.random.Generator, n: int) -> ScoreStream:
    probability = rng.beta(1.2, 8.0, n)
    priority = _priority(probability)
    scored_at = _now64() - _seconds(rng.uniform(0, WEEKS * 7 * 86_400, n))
    return ScoreStream(scored_at=scored_at, tier=_tiers(priority), priority=priority, probability=probability)


def _sample_rows(rng: np.random.Generator, rows: int, empty_title: float) -> list[dict[str, object]]:
    employees = np.exp(rng.normal(5.5, 1.6, rows)).round()
    visits = rng.poisson(3.0, rows)
    opens = rng.poisson(1.5, rows)
    titles = rng.choice(np.array(["vp", "director", "manager", "engineer", "founder", "other"]), rows)
    industry = rng.choice(np.array(["software", "it_services", "retail", "finance", "health"]), rows)
    country = rng.choice(np.array(["US", "DE", "GB", "FR", "BR", "JP", "AU"]), rows)
    source = rng.choice(np.array(["form", "import", "chat", "event"]), rows, p=[0.5, 0.2, 0.2, 0.1])
    title_empty = rng.random(rows) < empty_title
    phone_empty = rng.random(rows) < 0.3
    out = []
    for i in range(rows):
        out.append(
            {
                "employees": float(employees[i]),
                "page_visits_30d": int(visits[i]),
                "email_opens_30d": int(opens[i]),
                "job_title": None if title_empty[i] else str(titles[i]),
                "industry": str(industry[i]),
                "country": str(country[i]),
                "source": str(source[i]),
                "has_phone": None if phone_empty[i] else bool(visits[i] > 2),
            }
        )
    return out


def input_samples(rng: np.random.Generator, rows: int = SAMPLE_ROWS) -> list[InputSample]:
    monday = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    training_end = monday - timedelta(weeks=TRAINING_END_WEEKS_AGO)
    samples = [
        InputSample(
            "training window",
            training_end - timedelta(weeks=26),
            training_end,
            _sample_rows(rng, rows, 0.02),
            400_000,
        )
    ]
    for back in range(12, 0, -1):
        start = monday - timedelta(weeks=back)
        year, week, _ = start.isocalendar()
        samples.append(
            InputSample(
                f"{year}-W{week:02d}",
                start,
                start + timedelta(weeks=1),
                _sample_rows(rng, rows, 0.02),
                60_000,
            )
        )
    return samples


def reps() -> list[RepFacts]:
    return [
        RepFacts(f"{1000 + i}", f"Rep {i}", [1.0, 1.5, 2.0][i % 3], i != 7, 60, 150, open_leads=20 + i % 30)
        for i in range(len(POOLS) * REPS_PER_POOL)
    ]


def routing_log(rng: np.random.Generator, n: int, team: list[RepFacts]) -> RoutingLog:
    now = _now64()
    decided_at = now - _seconds(rng.uniform(0, 8 * 7 * 86_400, n))
    created_at = decided_at - _seconds(rng.exponential(300, n))
    touched = rng.random(n) < 0.8
    first_touch_at = decided_at + _seconds(rng.exponential(3 * 3600, n))
    first_touch_at[~touched | (first_touch_at > now)] = np.datetime64("NaT")
    pool_index = rng.integers(0, len(POOLS), n)
    parked = rng.random(n) < 0.08
    probability = rng.beta(1.2, 8.0, n)
    multiplier = np.round(rng.uniform(FLOOR, CAP, (len(team),)), 3)
    weights: list[dict[str, float]] = []
    owners = np.empty(n, dtype=object)
    for i in range(n):
        if parked[i]:
            weights.append({})
            owners[i] = f"q-{POOLS[pool_index[i]]}"
            continue
        members = range(pool_index[i] * REPS_PER_POOL, (pool_index[i] + 1) * REPS_PER_POOL)
        available = [r for r in members if rng.random() < 0.85 and team[r].active] or [members[0]]
        w = np.array([team[r].weight * multiplier[r] for r in available])
        weights.append({team[r].owner_id: float(x) for r, x in zip(available, w, strict=True)})
        owners[i] = team[available[int(rng.choice(len(available), p=w / w.sum()))]].owner_id
    status = rng.choice(
        np.array(["assigned", "worked", "rerouted", "overridden"], dtype=object), n, p=[0.3, 0.62, 0.05, 0.03]
    )
    status[parked] = "parked"
    owner_mult = np.array(
        [multiplier[int(o) - 1000] if not str(o).startswith("q-") else np.nan for o in owners]
    )
    return RoutingLog(
        decided_at=decided_at,
        created_at=created_at,
        first_touch_at=first_touch_at,
        sla_due=np.where(rng.random(n) < 0.5, decided_at + np.timedelta64(4, "h"), np.datetime64("NaT")),
        owner=owners,
        queue=np.where(parked, np.array([f"fallback-{POOLS[p]}" for p in pool_index], dtype=object), None),
        pool=np.array([POOLS[p] for p in pool_index], dtype=object),
        rule=np.full(n, "round robin", dtype=object),
        status=status,
        probability=probability,
        multiplier=owner_mult,
        weights=weights,
    )


def synthetic_input(n: int, seed: int) -> MonitorInput:
    """A realistic installation of ``n`` scored records (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    team = reps()
    return MonitorInput(
        now=NOW,
        leads=scored_leads(rng, n),
        stream=score_stream(rng, n),
        inputs=input_samples(rng, min(SAMPLE_ROWS, max(n // 50, 200))),
        routing=routing_log(rng, max(n // 5, 1), team),
        reps=team,
        fallback_queues=frozenset(f"fallback-{p}" for p in POOLS),
        performance_floor=FLOOR,
        performance_cap=CAP,
    )


def run(n: int = 1_000_000, seed: int = 19) -> dict[str, Any]:
    """Build the installation, time ``monitor()`` on it (best of three), print and return the figures."""
    data = synthetic_input(n, seed)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = monitor(data, 1)
        timings.append(time.perf_counter() - started)
    figures = {
        "records": n,
        "stream_rows": int(data.stream.tier.size),
        "routing_rows": int(data.routing.status.size),
        "input_samples": len(data.inputs),
        "compute_s": round(min(timings), 3),
        "compute_s_worst": round(max(timings), 3),
    }
    ece, capture = report.performance.calibration.ece, report.performance.top30_capture
    figures["ece"] = None if ece is None else round(ece, 4)
    figures["top30_capture"] = None if capture is None else round(capture, 3)
    print(
        f"monitor(): {figures['compute_s']:.2f} s (worst of 3: {figures['compute_s_worst']:.2f} s) for {n:,} "
        f"scored records, {figures['stream_rows']:,} scores, {figures['routing_rows']:,} routing decisions "
        f"and {len(data.inputs)} input samples; ECE {figures['ece']}, "
        f"top-30% capture {figures['top30_capture']}"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    emit(args.json, {"monitoring": run(args.records, args.seed)})


if __name__ == "__main__":
    main()
