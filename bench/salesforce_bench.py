"""The Salesforce side's API economy and speed against the sandbox org, on this machine.

    .venv/bin/python bench/salesforce_bench.py [--edits 40] [--records 20000]

1. Outbound message to write-back: a user edits a lead in the sandbox org; the outbound message
   reaches leadq's web app (on a real port), a real Celery worker process scores, routes and
   writes back; measured until leadq's fields are on the record.
2. Installs leadq into a seeded sandbox org (over HTTPS, through the real OAuth flow with PKCE),
backfills every open lead and contact in process, then runs the backfill again: read and write
calls per 1,000 records, records per second, and the share of the org's daily API budget used.
Needs Redis on 127.0.0.1:6379 (db 14, or ``LEADQ_BENCH_REDIS_URL``, is flushed).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from bench.figures import emit, percentile
from leadq import live_stack
from leadq.app import create_app
from sandbox.server import create_sandbox, serve

REDIS = os.environ.get("LEADQ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")  # flushed


def _settings(crm, public: str):
    tmp = Path(tempfile.mkdtemp(prefix="leadq-bench-"))
    own = live_stack.local_settings(
        tmp,
        REDIS,
        database_url=f"sqlite:///{tmp / 'bench.db'}",
        secret_key="bench-secret-key",  # noqa: S106 - a throwaway key for a local benchmark
    )
    settings = live_stack.migrated(
        live_stack.sandbox_settings(own, crm, crm="salesforce", public_base_url=public)
    )
    redis.Redis.from_url(REDIS).flushdb()
    return settings


def _install(client, crm) -> str:
    """Install; returns the outbound-message endpoint path the install page shows the admin."""
    done = live_stack.install_via_oauth(client, crm, "salesforce")
    assert done.status_code == 200
    shown = re.search(r"/webhooks/salesforce/[A-Za-z0-9_-]+", done.get_data(as_text=True))
    assert shown, "the install page shows the outbound-message endpoint"
    return shown.group(0)


def latency(edits: int) -> dict:
    import statistics

    crm = serve(create_sandbox(seed=94, records=300, portals=0), https=True, deliver_webhooks=True)
    served = live_stack.serve_app(_settings(crm, "http://leadq.bench"))
    url = served.url
    worker = live_stack.start_worker(served.settings, "changes", loglevel="ERROR")
    try:
        endpoint = _install(served.app.test_client(), crm)
        org = crm.sandbox.orgs[crm.org_id]
        crm.sandbox.outbound.configure(
            org.org_id, url + endpoint, {"Lead": ["LastModifiedById", "SystemModstamp"]}
        )
        leads = [r for r in org.live("Lead") if not r["IsConverted"]]
        user = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
        time.sleep(3)  # the worker starts
        warm = leads[edits]["Id"]  # one edit first, not counted: the worker's first task loads everything
        org.update("Lead", warm, {"Title": "warm-up"}, user["Id"])
        deadline = time.perf_counter() + 30
        while not org.get("Lead", warm).get("LeadQ_Scored_At__c") and time.perf_counter() < deadline:
            time.sleep(0.01)
        results = []
        for index in range(edits):
            lead_id = leads[index]["Id"]
            before = org.get("Lead", lead_id).get("LeadQ_Scored_At__c")
            started = time.perf_counter()
            org.update("Lead", lead_id, {"Title": f"VP Sales {index}"}, user["Id"])
            while org.get("Lead", lead_id).get("LeadQ_Scored_At__c") == before:
                if time.perf_counter() - started > 20:
                    raise RuntimeError("no write-back within 20 s")
                time.sleep(0.002)
            results.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)
        print("latencies in order (ms):", " ".join(f"{r:.0f}" for r in results))
        deliveries = crm.sandbox.outbound.deliveries
        missed = sum(1 for d in deliveries if not d.acked)
        print(f"outbound messages: {len(deliveries)}, not acknowledged: {missed}")
        results.sort()
        print(
            f"outbound message to write-back over {edits} edits: p50 {statistics.median(results):.0f} ms, "
            f"p99 {results[max(0, int(len(results) * 0.99) - 1)]:.0f} ms, max {results[-1]:.0f} ms "
            "(the sandbox sends queued messages every 20 ms)"
        )
        return {
            "edits": edits,
            "p50_ms": round(statistics.median(results), 1),
            "p99_ms": round(percentile(results, 99), 1),
            "max_ms": round(results[-1], 1),
            "messages_not_acknowledged": missed,
        }
    finally:
        live_stack.stop_process(worker)
        served.stop()
        crm.stop()


def backfill(records: int) -> dict:
    from sqlalchemy import select

    from storage.tables import Installation
    from workers.services.backfill import run_backfill
    from workers.services.context import Runtime, build_context

    started = time.perf_counter()
    crm = serve(create_sandbox(seed=93, records=records, portals=0), https=True, deliver_webhooks=False)
    print(f"seeded {records:,} people in {time.perf_counter() - started:.0f}s")
    settings = _settings(crm, "http://leadq.bench")
    _install(create_app(settings).test_client(), crm)
    runtime = Runtime.from_settings(settings)
    with runtime.sessions() as session:
        installation_id = session.scalars(select(Installation)).one().id
    org = crm.sandbox.orgs[crm.org_id]
    people = len([r for r in org.live("Lead") if not r["IsConverted"]]) + len(org.live("Contact"))
    naive = 2 * people  # one read and one write per record (leads and contacts carry their company)
    figures: dict = {"crm": "salesforce", "records": records}
    for label in ("first run", "re-run"):
        crm.requests.clear()
        used_before = org.api_used
        ctx = build_context(runtime, installation_id)
        begun = time.perf_counter()
        done = written = 0
        for obj in ctx.adapter.people_objects:
            progress, report = run_backfill(ctx, obj, restart=True)
            done, written = done + progress.done, written + report.written_records
        elapsed = time.perf_counter() - begun
        entries = crm.requests.entries(lambda e: e.area == "sf-api")
        writes = sum(1 for e in entries if e.method == "PATCH")
        reads = len(entries) - writes
        print(
            f"backfill {label}: {done:,} leads and contacts in {elapsed:.1f}s = "
            f"{done / elapsed:,.0f} records/s; "
            f"{reads} read + {writes} write calls = {1000 * (reads + writes) / done:.1f} per 1,000 records "
            f"(writes {1000 * writes / done:.2f} per 1,000; 200 records per call is 5 per 1,000, "
            "plus one partial batch per object); "
            f"{written:,} records written; "
            f"{org.api_used - used_before} calls of the org's {org.api_max:,} daily budget; "
            f"a one-record-per-call sync: {naive:,} calls ({naive / max(reads + writes, 1):,.0f}x)"
        )
        figures["first_run" if label == "first run" else "rerun"] = {
            "records": done,
            "seconds": round(elapsed, 1),
            "records_per_s": round(done / elapsed, 1),
            "read_calls": reads,
            "write_calls": writes,
            "api_calls_per_1000_records": round(1000 * (reads + writes) / done, 2),
            "records_written": written,
            "naive_one_record_per_call_calls": naive,
            "naive_to_leadq_call_ratio": round(naive / max(reads + writes, 1), 1),
        }
    crm.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    figures: dict = {}
    if args.edits:
        figures["outbound_to_writeback"] = latency(args.edits)
    if args.records:
        figures["backfill"] = backfill(args.records)
    emit(args.json, {"salesforce": figures})


if __name__ == "__main__":
    main()
