"""Seeding an installation's store for the monitoring benchmark, and timing the reader on it.

    .venv/bin/python bench/monitor_seed.py [--rows 1000000] [--database sqlite:///var/bench/monitor.db]

``seed_monitor_rows(engine, installation_id, n, seed)`` writes ``n`` score rows (two to three per
person over 16 weeks, each with its priority and model inputs), the outcomes of about a third of the
people, a champion model and a routing decision per person, with bulk ``executemany`` inserts on
the driver (no ORM). ``time_monitor_input`` times ``storage.monitor_reads.monitor_input`` on them.
The lead's full benchmark (reader + compute) builds on both.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from monitoring.frames import MonitorInput, RepFacts
from storage.monitor_reads import monitor_input
from storage.tables import Base

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
WEEKS = 16
REPS = tuple(f"rep{i}" for i in range(12))
CHUNK = 20_000
TIERS = ("L1", "L2", "L3", "L4")
COUNTRIES = ("US", "DE", "GB", "FR", None)
INDUSTRIES = ("software", "internet", "retail", "other", None)


def _stamp(engine: Engine, when: datetime) -> object:
    """What the driver stores for a stamp: SQLite keeps SQLAlchemy's naive UTC text."""
    if engine.dialect.name == "sqlite":
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return when


def _mark(engine: Engine, count: int) -> str:
    one = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([one] * count)


def _insert(engine: Engine, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> int:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_mark(engine, len(columns))})"  # noqa: S608 - constant names
    done, chunk = 0, []
    with engine.begin() as conn:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                conn.exec_driver_sql(sql, chunk)
                done, chunk = done + len(chunk), []
        if chunk:
            conn.exec_driver_sql(sql, chunk)
            done += len(chunk)
    return done


def _inputs(rng: random.Random, tier: int) -> str:
    return json.dumps(
        {
            "seniority": rng.choice(("c_level", "vp", "manager", "ic", None)),
            "function": rng.choice(("sales", "marketing", "it", None)),
            "email_kind": rng.choice(("business", "free")),
            "industry": rng.choice(INDUSTRIES),
            "employees": rng.choice((None, rng.randint(5, 5000))),
            "revenue": None,
            "country": rng.choice(COUNTRIES),
            "tech_matches": rng.randint(0, 3),
            "engagement_points": round(rng.random() * 40 / tier, 2),
            "days_since_activity": rng.randint(0, 90),
            "visits": rng.randint(0, 20),
            "email_clicks": rng.randint(0, 5),
            "forms": rng.randint(0, 2),
            "lead_source": rng.choice(("web", "event", None)),
        }
    )


def _people(
    n: int, seed: int, per_person: Sequence[int] = (2, 2, 3), records: int | None = None
) -> list[tuple[str, list[datetime], int, float]]:
    """(record id, score times, tier, probability) per person, until ``n`` scores in all (or until
    ``records`` people, when given); each person scored a number of times drawn from ``per_person``."""
    rng = random.Random(seed)
    start = NOW - timedelta(weeks=WEEKS)
    out, total, i = [], 0, 0
    while (i < records) if records is not None else (total < n):
        first = start + timedelta(seconds=rng.randrange(WEEKS * 7 * 86_400))
        count = rng.choice(per_person) if records is not None else min(n - total, rng.choice(per_person))
        times = [first + timedelta(days=3 * k, seconds=rng.randrange(3600)) for k in range(count)]
        tier = rng.choice((1, 2, 2, 3, 3, 3, 4, 4))
        out.append((str(100_000 + i), times, tier, round(min(0.95, rng.random() / tier), 4)))
        total, i = total + count, i + 1
    return out


def seed_monitor_rows(
    engine: Engine,
    installation_id: int,
    n: int,
    seed: int = 7,
    per_person: Sequence[int] = (2, 2, 3),
    records: int | None = None,
) -> int:
    """Write ``n`` score rows (with outcomes, a champion and routing decisions) for the installation,
    creating it (and the tables, on an empty database) when missing. ``records``: seed that many
    people instead, each scored ``per_person`` times (drawn). Returns the people seeded."""
    Base.metadata.create_all(engine)
    rng = random.Random(seed)
    with engine.begin() as conn:
        if (
            conn.execute(text("SELECT 1 FROM installations WHERE id = :i"), {"i": installation_id}).first()
            is None
        ):
            conn.execute(
                text(
                    "INSERT INTO installations (id, crm_kind, external_id, status, status_reason,"
                    " installed_by, instance_url, auth_env, scopes, created_at, updated_at)"
                    " VALUES (:i, 'hubspot', :t, 'active', '', '', '', '', '', :now, :now)"
                ),
                {"i": installation_id, "t": f"bench-{installation_id}", "now": NOW},
            )
        conn.execute(
            text(
                "INSERT INTO model_versions (installation_id, version, status, metrics, artifact, trained_at,"
                " window_start, window_end) VALUES (:i, :v, 'champion', '{}', :a, :now, :ws, :we)"
            ),
            {
                "i": installation_id,
                "v": f"m-bench-{seed}",
                "a": b"",
                "now": NOW,
                "ws": NOW - timedelta(weeks=30),
                "we": NOW - timedelta(weeks=WEEKS // 2),
            },
        )
    people = _people(n, seed, per_person, records)
    version = f"m-bench-{seed}"

    def scores() -> Iterator[tuple[Any, ...]]:
        for record_id, times, tier, probability in people:
            for k, when in enumerate(times):
                t = max(1, min(4, tier + rng.choice((-1, 0, 0, 1)) * (k > 0)))
                yield (
                    installation_id, "contact", record_id, str(k), 50.0, 10.0, probability, f"L{t}",
                    "sales_ready", "high", "[]", version if k else "rules-1", _stamp(engine, when),
                    float(100 - 25 * t + rng.random() * 20), _inputs(rng, t),
                )  # fmt: skip

    _insert(
        engine,
        "scores",
        (
            "installation_id", "object_type", "record_id", "record_version", "fit", "engagement",
            "probability", "tier", "verdict", "confidence", "reasons", "model_version", "scored_at",
            "priority", "inputs",
        ),
        scores(),
    )  # fmt: skip
    closed = [p for p in people if rng.random() < 0.35]
    _insert(
        engine,
        "outcomes",
        ("installation_id", "object_type", "record_id", "kind", "occurred_at", "recorded_at"),
        (
            (
                installation_id, "contact", rid, "won" if rng.random() < p * 1.5 else "lost",
                _stamp(engine, times[0] + timedelta(days=rng.randint(5, 40))), _stamp(engine, NOW),
            )
            for rid, times, _tier, p in closed
        ),
    )  # fmt: skip
    _insert(engine, "routing_decisions", _ROUTING_COLUMNS, _decisions(engine, installation_id, people, rng))
    return len(people)


_ROUTING_COLUMNS = (
    "installation_id", "object_type", "record_id", "owner_id", "queue", "rule", "path", "status",
    "decided_at", "pool", "probability", "multiplier", "weights", "record_created_at", "first_touch_at",
    "sla_due",
)  # fmt: skip


def _decisions(
    engine: Engine,
    installation_id: int,
    people: list[tuple[str, list[datetime], int, float]],
    rng: random.Random,
) -> Iterator[tuple[Any, ...]]:
    weights = json.dumps(dict.fromkeys(REPS, 1.0))
    for record_id, times, _tier, probability in people:
        decided = times[0] + timedelta(seconds=rng.randint(1, 600))
        parked = rng.random() < 0.05
        touch = decided + timedelta(hours=rng.randint(1, 72)) if rng.random() < 0.6 else None
        yield (
            installation_id, "contact", record_id, None if parked else rng.choice(REPS),
            "fallback" if parked else None, "queue" if parked else "round_robin", "[]",
            "parked" if parked else "assigned", _stamp(engine, decided), None if parked else "ae",
            probability, None if parked else 1.0, None if parked else weights,
            _stamp(engine, times[0] - timedelta(minutes=rng.randint(1, 120))),
            _stamp(engine, touch) if touch else None, _stamp(engine, decided + timedelta(hours=24)),
        )  # fmt: skip


def time_monitor_input(
    engine: Engine, installation_id: int, now: datetime = NOW
) -> tuple[float, MonitorInput]:
    """Seconds (wall clock) ``monitor_input`` takes on the installation's store, and what it read."""
    reps = [RepFacts(rep, rep, 1.0, True, None, None) for rep in REPS]
    with Session(engine) as session:
        started = time.perf_counter()
        read = monitor_input(session, installation_id, now, reps, frozenset({"fallback"}), 0.5, 2.0)
        return time.perf_counter() - started, read


def cpu_seconds_of_monitor_input(engine: Engine, installation_id: int, now: datetime = NOW) -> float:
    """The process's CPU seconds for one ``monitor_input`` (the database runs in process on SQLite):
    a figure a busy machine does not inflate as it does the wall clock."""
    started = time.process_time()
    time_monitor_input(engine, installation_id, now)
    return time.process_time() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="sqlite:///var/bench/monitor.db")
    args = parser.parse_args(argv)
    if args.database.startswith("sqlite:///"):
        path = Path(args.database.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    engine = create_engine(args.database)
    started = time.perf_counter()
    people = seed_monitor_rows(engine, 1, args.rows, seed=7)
    seeded = time.perf_counter() - started
    seconds, read = time_monitor_input(engine, 1)
    cpu = cpu_seconds_of_monitor_input(engine, 1)
    print(
        f"seeded {args.rows} scores ({people} people) in {seeded:.1f} s; monitor_input read "
        f"{len(read.stream.scored_at)} scores, {len(read.leads)} leads, {len(read.routing.rule)} decisions, "
        f"{len(read.inputs)} input windows in {seconds:.2f} s (a second read: {cpu:.2f} s of CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
