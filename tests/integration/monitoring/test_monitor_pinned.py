"""The monitoring report of a seeded store, pinned: every number of the report (and a digest of every
frame the reader hands over) must stay exactly what the reader and ``monitoring.compute`` gave
before the 1,000,000-record optimisation (issue 19), on SQLite and on PostgreSQL.

The store: the benchmark's seed (``bench/monitor_seed.py``: re-scored records, outcomes, a champion,
a weighted pool of twelve reps) plus hand-made cases the seed lacks: a second weighted pool whose
weights vary (performance multipliers, reps away, the same weights written in another key order),
a pool without probabilities, weights summing to 0, refused and ownerless decisions, an owner who
was not a candidate, weights outside any pool, two scores of a record in the same second, a record
scored only after its outcome, an account and another installation's rows.

``PIN=1 pytest tests/integration/monitoring/test_monitor_pinned.py`` rewrites the pinned file (only
ever from code whose results are known good). Re-pinned for: the drift window rule (input and score
drift against full weeks); the alarms on what moved (additions only, every earlier number equal:
the champion's recent calibration and held-out baseline, calibration's chance, mean predicted and
observed, the inflation detail, each note as its kind, text and figures with the text unchanged);
the routing section's install time (an addition)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.monitor_seed import NOW, REPS, seed_monitor_rows
from monitoring.compute import monitor
from monitoring.frames import MonitorInput, RepFacts
from routing.types import Decision
from storage import monitor_reads, outcomes, routing_log, scores
from storage.outcomes import NewOutcome
from storage.scores import NewScore
from storage.statuses import DecisionStatus

PINNED = Path(__file__).with_name("pinned_monitor_report.json")
INSTALLATION, OTHER = 1, 2
SE = ("s1", "s2", "s3", "s4")


def _score(rid: str, at: datetime, tier: str, p: float | None, version: str, **extra: Any) -> NewScore:
    return NewScore(
        "contact", rid, "v", 50.0, 10.0, p, tier, "sales_ready", "high", [], version, at, None, **extra
    )


def _decisions(session: Any) -> None:
    rng = random.Random(5)
    start = NOW - timedelta(weeks=5)
    for i in range(400):
        at = start + timedelta(seconds=rng.randrange(5 * 7 * 86_400))
        multipliers = {rep: rng.choice((0.8, 1.0, 1.0, 1.25, 1.1)) for rep in SE}
        away = rng.choice((None, None, "s3", "s4"))
        weights = {
            rep: round(base * multipliers[rep], 6) for rep, base in zip(SE, (2.0, 1.0, 1.0, 0.5), strict=True)
        }
        weights = {k: v for k, v in weights.items() if k != away}
        if i % 7 == 0:
            weights = dict(reversed(weights.items()))  # the same weights in another key order
        owner: str | None = rng.choice([r for r in SE if r != away])
        pool: str | None = "se"
        status = None
        probability: float | None = round(rng.random() * 0.4, 4) if rng.random() < 0.8 else None
        kind = i % 23
        if kind == 1:
            status = DecisionStatus.REFUSED
        elif kind == 2:
            owner, status = None, DecisionStatus.PARKED
        elif kind == 3:
            weights = {"s1": 0.0, "s2": 0.0}
        elif kind == 4:
            owner = "s9"  # not a candidate
        elif kind == 5:
            pool = None  # weights outside any pool
        elif kind in (6, 7, 8):
            pool, probability = "np", None  # a pool the rules scored: no probabilities
            weights = {"n1": 1.0, "n2": 3.0}
            owner = rng.choice(("n1", "n2"))
        decision = Decision(
            owner, None, "round_robin", ("pool",), pool=pool, weights=weights,
            multiplier=multipliers.get(owner or "", 1.0),
        )  # fmt: skip
        routing_log.record(
            session, INSTALLATION, "contact", f"se-{i}", decision, decided_at=at, status=status,
            probability=probability, record_created_at=at - timedelta(minutes=rng.randint(1, 300)),
        )  # fmt: skip


def build(engine: Any, sessions: Any) -> None:
    seed_monitor_rows(engine, INSTALLATION, 0, seed=19, per_person=(1, 1, 1, 2, 3), records=1500)
    seed_monitor_rows(engine, OTHER, 0, seed=20, per_person=(1, 2), records=200)
    tie = NOW - timedelta(days=9, hours=3)
    with sessions.begin() as session:
        # Two scores in the same second (the later id decides), the outcome after both.
        scores.add(session, INSTALLATION, _score("tie", tie, "L3", 0.2, "m-bench-19", priority=40.0))
        scores.add(session, INSTALLATION, _score("tie", tie, "L1", 0.7, "m-bench-19", priority=90.0))
        # Scored only after its outcome.
        scores.add(session, INSTALLATION, _score("late", tie, "L2", 0.5, "m-bench-19", priority=70.0))
        account = _score("acme", tie, "L1", 0.9, "m-bench-19", priority=99.0)
        scores.add(session, INSTALLATION, dataclasses.replace(account, object_type="account"))
        outcomes.upsert(
            session,
            INSTALLATION,
            [
                NewOutcome("contact", "tie", "won", tie + timedelta(days=2)),
                NewOutcome("contact", "late", "lost", tie - timedelta(days=1)),
            ],
        )
        _decisions(session)


def _digest(values: Any) -> str:
    if isinstance(values, np.ndarray) and values.dtype != object:
        return hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:16]
    text = json.dumps(list(values), default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def frames_digest(data: MonitorInput) -> dict[str, Any]:
    """Every frame the reader gave, as digests of its arrays (the weights as each decision's dict)."""
    out: dict[str, Any] = {}
    for name in ("leads", "stream"):
        frame = getattr(data, name)
        for f in dataclasses.fields(frame):
            value = getattr(frame, f.name)
            out[f"{name}.{f.name}"] = None if value is None else _digest(value)
    routing = data.routing
    for f in dataclasses.fields(routing):
        if f.name in ("weights", "weight_set", "weight_sets"):
            continue
        out[f"routing.{f.name}"] = _digest(getattr(routing, f.name))
    out["routing.weights"] = _digest([sorted(dict(w).items()) for w in routing.weights])
    out["inputs"] = [(s.label, str(s.start), str(s.end), s.total, _digest(s.rows)) for s in data.inputs]
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value))


def canonical(data: MonitorInput) -> str:
    report = monitor(data, INSTALLATION)
    content = {"frames": frames_digest(data), "report": dataclasses.asdict(report)}
    return json.dumps(content, default=_plain, sort_keys=True, indent=1) + "\n"


def test_the_report_of_a_seeded_store_is_exactly_the_pinned_one(engine, sessions) -> None:
    build(engine, sessions)
    reps = [RepFacts(r, r.upper(), 1.0, r != "rep3", 40, 30) for r in (*REPS, *SE, "n1", "n2")]
    with sessions() as session:
        data = monitor_reads.monitor_input(
            session, INSTALLATION, NOW, reps, frozenset({"fallback"}), 0.8, 1.25, sample_size=300
        )
    assert len(data.leads) == 1502 and len(data.routing.status) == 1900
    got = canonical(data)
    if os.environ.get("PIN") == "1":
        PINNED.write_text(got)
    assert got.splitlines() == PINNED.read_text().splitlines()
