"""What HubSpot's Leads object costs in API calls: a backfill of N seeded contacts (about a quarter
of them with Leads records) and a re-run, with the Leads scopes granted and without them.

    .venv/bin/python bench/leads_bench.py [--records 2000] [--json var/bench/figures.json]

Reports API calls per 100 contacts (their open Leads records scored, labelled and written with
them), the Leads records scored and written, and the calls Leads add over a portal without them.
The rate limit is raised: this counts calls, it does not time them (sync_bench.py does).
Needs Redis on 127.0.0.1:6379 (db 14, or ``LEADQ_BENCH_REDIS_URL``, is flushed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from bench.figures import emit
from bench.hubspot_setup import hubspot_settings, install
from leadq import live_stack
from leadq.app import create_app
from sandbox.server import create_sandbox, serve

REDIS = os.environ.get("LEADQ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")  # flushed
OPEN = {"new-stage-id", "attempting-stage-id", "connected-stage-id"}


def run(records: int, leads: bool) -> dict:
    """A backfill and a re-run on a fresh portal and database; leadq asks for the Leads scopes or not."""
    from sqlalchemy import select

    from storage.tables import Installation
    from workers.services.backfill import run_backfill
    from workers.services.context import Runtime, build_context

    crm = serve(create_sandbox(seed=92, records=records, rate_limit=100_000))
    tmp = Path(tempfile.mkdtemp(prefix="leadq-bench-"))
    settings = hubspot_settings(tmp, crm, "http://leadq.bench", REDIS)
    if not leads:
        settings = settings.model_copy(update={"hubspot_optional_scopes": ""})
    settings = live_stack.migrated(settings)
    redis.Redis.from_url(REDIS).flushdb()
    install(create_app(settings).test_client(), crm)
    runtime = Runtime.from_settings(settings)
    with runtime.sessions() as session:
        installation_id = session.scalars(select(Installation)).one().id
    truth = crm.sandbox.truth[crm.portal_id].leads
    out: dict = {
        "contacts": records,
        "leads_records": len(truth),
        "open_leads_records": sum(1 for t in truth.values() if t["stage"] in OPEN),
    }
    for label in ("first_run", "rerun"):
        crm.requests.clear()
        progress, report = run_backfill(build_context(runtime, installation_id), restart=True)
        calls = crm.requests.count(area="api") + crm.requests.count(area="search")
        lead_writes = crm.requests.count(path_prefix="/crm/v3/objects/leads/batch/update")
        out[label] = {
            "api_calls": calls,
            "api_calls_per_100_contacts": round(100 * calls / max(progress.done, 1), 2),
            "leads_records_scored": report.leads_scored,
            "records_written": report.written_records,
            "leads_batch_updates": lead_writes,
        }
        print(
            f"{'with' if leads else 'without'} Leads, {label.replace('_', ' ')}: {progress.done:,} contacts, "
            f"{report.leads_scored:,} Leads records scored; {calls} API calls = "
            f"{out[label]['api_calls_per_100_contacts']} per 100 contacts; "
            f"{report.written_records:,} records written ({lead_writes} Leads batch updates)"
        )
    crm.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2_000)
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    with_leads, without = run(args.records, leads=True), run(args.records, leads=False)
    figures = {
        "with_leads": with_leads,
        "without_leads": without,
        "extra_calls_per_100_contacts": {
            key: round(
                with_leads[key]["api_calls_per_100_contacts"] - without[key]["api_calls_per_100_contacts"], 2
            )
            for key in ("first_run", "rerun")
        },
    }
    emit(args.json, {"pipeline_leads": figures})


if __name__ == "__main__":
    main()
