"""Monitoring at scale: leadq's store holding 1,000,000 scored records, read and computed.

    .venv/bin/python bench/monitor_bench.py [--records 1000000] [--database sqlite:///var/bench/monitor.db]
        [--json var/bench/figures.json]

Seeds an installation (``bench/monitor_seed.py``): the records scored over 16 weeks, most once and
some again (1, 1, 1, 2 times: about 1.25 score rows per record), a third of them with an outcome, a
champion model, a routing decision each. Then times what the admin page, ``leadq monitor`` and the
alarms' beat job do: ``storage.monitor_reads.monitor_input`` (the store read, no CRM call) and
``monitoring.compute.monitor`` (best of three runs, and the process's CPU seconds, which a busy
machine does not inflate). The issue's bar: under 10 s in all.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import create_engine

from bench.figures import emit
from bench.monitor_seed import seed_monitor_rows, time_monitor_input
from monitoring.compute import monitor

PER_PERSON = (1, 1, 1, 2)


def run(records: int, database: str) -> dict[str, Any]:
    if database.startswith("sqlite:///"):
        path = Path(database.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    engine = create_engine(database)
    started = time.perf_counter()
    seed_monitor_rows(engine, 1, 0, seed=19, per_person=PER_PERSON, records=records)
    seeded = time.perf_counter() - started
    runs = []
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        read_s, data = time_monitor_input(engine, 1)
        compute_started = time.perf_counter()
        report = monitor(data, 1)
        compute_s = time.perf_counter() - compute_started
        runs.append((time.perf_counter() - wall, read_s, compute_s, time.process_time() - cpu))
    best = min(runs)
    engine.dispose()
    figures = {
        "database": database.split(":", 1)[0],
        "records": len(data.leads),
        "score_rows": int(data.stream.tier.size),
        "routing_rows": int(data.routing.status.size),
        "seed_s": round(seeded, 1),
        "total_s": round(best[0], 2),
        "read_s": round(best[1], 2),
        "compute_s": round(best[2], 2),
        "cpu_s": round(best[3], 2),
        "total_s_worst": round(max(r[0] for r in runs), 2),
        "under_10_s": best[0] < 10,
        "ece": report.performance.calibration.ece,
    }
    print(
        f"monitoring {figures['records']:,} scored records ({figures['score_rows']:,} score rows, "
        f"{figures['routing_rows']:,} routing decisions): {figures['total_s']:.2f} s "
        f"(store read {figures['read_s']:.2f} s + compute {figures['compute_s']:.2f} s; "
        f"{figures['cpu_s']:.2f} s of CPU; worst of 3 {figures['total_s_worst']:.2f} s)"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database", default="sqlite:///var/bench/monitor.db")
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    emit(args.json, {"monitoring_at_scale": run(args.records, args.database)})


if __name__ == "__main__":
    main()
