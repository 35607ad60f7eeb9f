"""``make bench``: every benchmark in bench/, one after the other, into one JSON file of figures.

    .venv/bin/python bench/run_all.py [--out var/bench/figures.json] [--quick]

Each benchmark merges its own section into the file; this script then adds ``headline``: the figures
the README and docs/operations.md quote. ``--quick`` runs small sizes (a smoke run, not figures to
quote). Needs Redis on 127.0.0.1:6379; uses PostgreSQL on 127.0.0.1:5432 for the load test if it is
there. A benchmark that fails is reported and the others still run; the exit status says so.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (script, arguments): the big backfill runs in a process of its own, so its peak memory is its own.
FULL = [
    ("score_bench.py", ["--leads", "100000"]),
    ("model_bench.py", ["--rows", "50000", "--columns", "40", "--leads", "100000"]),
    ("family_auc_bench.py", []),
    ("route_bench.py", ["--decisions", "20000"]),
    ("sync_bench.py", ["--edits", "40", "--records", "20000"]),
    ("sync_bench.py", ["--edits", "0", "--records", "0", "--memory", "200000"]),
    ("salesforce_bench.py", ["--edits", "40", "--records", "20000"]),
    ("leads_bench.py", ["--records", "2000"]),
    ("webhook_load.py", ["--rates", "50,100,150,200,250,300,400,600", "--seconds", "10"]),
    ("csv_bench.py", ["--rows", "200000", "--columns", "30"]),
    ("redact_bench.py", ["--tokens", "200000"]),
    ("monitor_compute_bench.py", ["--records", "1000000"]),
    ("monitor_bench.py", ["--records", "1000000"]),
]
QUICK = [
    ("score_bench.py", ["--leads", "5000", "--single", "200"]),
    ("model_bench.py", ["--rows", "5000", "--columns", "40", "--leads", "5000"]),
    ("route_bench.py", ["--decisions", "2000"]),
    ("sync_bench.py", ["--edits", "5", "--records", "1000"]),
    ("sync_bench.py", ["--edits", "0", "--records", "0", "--memory", "5000"]),
    ("salesforce_bench.py", ["--edits", "5", "--records", "2000"]),
    ("leads_bench.py", ["--records", "500"]),
    ("webhook_load.py", ["--rates", "50,100", "--seconds", "3"]),
    ("csv_bench.py", ["--rows", "5000", "--columns", "30"]),
    ("redact_bench.py", ["--tokens", "20000"]),
    ("monitor_compute_bench.py", ["--records", "20000"]),
    ("monitor_bench.py", ["--records", "20000"]),
]


def _get(data: dict, *path: str) -> object:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def headline(figures: dict) -> dict:
    hs, sf, load = figures.get("hubspot", {}), figures.get("salesforce", {}), figures.get("webhook_load", {})
    return {
        "scoring_leads_per_s_one_core": _get(figures, "scoring", "throughput_leads_per_s"),
        "single_lead_latency_p99_ms": _get(figures, "scoring", "single_lead_p99_ms"),
        "routing_decisions_per_s": _get(figures, "routing", "decisions_per_s"),
        "logistic_train_seconds_50k_x_40_two_cores": _get(
            figures, "model_families", "training", "logistic", "train_seconds"
        ),
        "boosted_train_seconds_50k_x_40_two_cores": _get(
            figures, "model_families", "training", "boosted", "train_seconds"
        ),
        "logistic_scoring_leads_per_s_one_core": _get(
            figures, "model_families", "scoring", "logistic", "throughput_leads_per_s"
        ),
        "boosted_scoring_leads_per_s_one_core": _get(
            figures, "model_families", "scoring", "boosted", "throughput_leads_per_s"
        ),
        "webhook_ack_p99_ms": load.get("ack_p99_ms_at_highest"),
        "webhook_highest_sustained_rate_per_s": load.get("highest_sustained_rate_per_s"),
        "webhook_events_lost": load.get("events_lost"),
        "hubspot_webhook_to_writeback_p50_ms": _get(hs, "webhook_to_writeback", "p50_ms"),
        "hubspot_webhook_to_writeback_p99_ms": _get(hs, "webhook_to_writeback", "p99_ms"),
        "salesforce_outbound_to_writeback_p50_ms": _get(sf, "outbound_to_writeback", "p50_ms"),
        "salesforce_outbound_to_writeback_p99_ms": _get(sf, "outbound_to_writeback", "p99_ms"),
        "hubspot_backfill_calls_per_1000": _get(hs, "backfill", "first_run", "api_calls_per_1000_records"),
        "hubspot_rerun_calls_per_1000": _get(hs, "backfill", "rerun", "api_calls_per_1000_records"),
        "salesforce_backfill_calls_per_1000": _get(sf, "backfill", "first_run", "api_calls_per_1000_records"),
        "salesforce_rerun_calls_per_1000": _get(sf, "backfill", "rerun", "api_calls_per_1000_records"),
        "hubspot_backfill_records_per_s": _get(hs, "backfill", "first_run", "records_per_s"),
        "hubspot_backfill_rate_limit_bound_per_s": _get(
            hs, "backfill", "first_run", "rate_limit_bound_records_per_s"
        ),
        "salesforce_backfill_records_per_s": _get(sf, "backfill", "first_run", "records_per_s"),
        "big_backfill_records": _get(hs, "big_backfill", "records"),
        "big_backfill_records_per_s": _get(hs, "big_backfill", "records_per_s"),
        "big_backfill_api_calls": _get(hs, "big_backfill", "api_calls"),
        "big_backfill_peak_memory_mb": _get(hs, "big_backfill", "peak_memory_mb"),
        "naive_to_leadq_call_ratio_hubspot": _get(hs, "backfill", "first_run", "naive_to_leadq_call_ratio"),
        "naive_to_leadq_call_ratio_salesforce": _get(
            sf, "backfill", "first_run", "naive_to_leadq_call_ratio"
        ),
        "hubspot_leads_backfill_calls_per_100_contacts": _get(
            figures, "pipeline_leads", "with_leads", "first_run", "api_calls_per_100_contacts"
        ),
        "hubspot_leads_rerun_calls_per_100_contacts": _get(
            figures, "pipeline_leads", "with_leads", "rerun", "api_calls_per_100_contacts"
        ),
        "monitoring_records": _get(figures, "monitoring_at_scale", "records"),
        "monitoring_seconds": _get(figures, "monitoring_at_scale", "total_s"),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("var/bench/figures.json"))
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--headline-only",
        action="store_true",
        help="recompute the headline of an existing file (after re-running one part)",
    )
    args = parser.parse_args()
    plan = [] if args.headline_only else (QUICK if args.quick else FULL)
    if args.out.exists() and not args.headline_only:
        args.out.unlink()
    failed = []
    for script, options in plan:
        print(f"\n== {script} {' '.join(options)}", flush=True)
        started = time.perf_counter()
        command = [sys.executable, str(HERE / script), *options, "--json", str(args.out)]
        code = subprocess.call(command)  # noqa: S603 - our own scripts
        verdict = "ok" if code == 0 else f"FAILED ({code})"
        print(f"== {script}: {verdict} in {time.perf_counter() - started:.0f}s")
        if code != 0:
            failed.append(script)
    figures = json.loads(args.out.read_text()) if args.out.exists() else {}
    figures["headline"] = headline(figures)
    if not args.headline_only:
        figures["quick"] = args.quick
        figures["failed"] = failed
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(f"\nfigures: {args.out}")
    for key, value in figures["headline"].items():
        print(f"  {key:<45} {value}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
