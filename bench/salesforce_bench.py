"""The Salesforce side's API economy and speed against the sandbox org, on this machine.

    .venv/bin/python bench/salesforce_bench.py [--records 20000]

Installs leadq into a seeded sandbox org (over HTTPS, through the real OAuth flow with PKCE),
backfills every open lead and contact in process, then runs the backfill again: read and write
calls per 1,000 records, records per second, and the share of the org's daily API budget used.
Needs Redis on 127.0.0.1:6379 (db 14 is flushed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from connector.http import session as pinned_session
from leadq.app import create_app
from leadq.settings import load_settings
from leadq.storage.db import make_engine
from leadq.storage.migrate import upgrade
from leadq.storage.vault import Vault
from sandbox.server import create_sandbox, serve

REDIS = "redis://127.0.0.1:6379/14"


def main() -> None:
    from sqlalchemy import select

    from leadq.storage.tables import Installation
    from workers.services.backfill import run_backfill
    from workers.services.context import Runtime, build_context

    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    crm = serve(create_sandbox(seed=93, records=args.records, portals=0), https=True, deliver_webhooks=False)
    print(f"seeded {args.records:,} people in {time.perf_counter() - started:.0f}s")
    tmp = Path(tempfile.mkdtemp(prefix="leadq-bench-"))
    settings = load_settings(
        env="test",
        data_dir=tmp,
        database_url=f"sqlite:///{tmp / 'bench.db'}",
        redis_url=REDIS,
        public_base_url="http://leadq.bench",
        encryption_keys=Vault.generate_key(),
        secret_key="bench-secret-key",  # noqa: S106 - a throwaway key for a local benchmark
        salesforce_client_id=crm.sf_client_id,
        salesforce_client_secret=crm.sf_client_secret,
        salesforce_login_base=crm.base_url,
        salesforce_sandbox_login_base=crm.base_url,
        ca_bundle=str(crm.ca_bundle),
        log_level="WARNING",
    )
    upgrade(make_engine(settings.sqlalchemy_url))
    redis.Redis.from_url(REDIS).flushdb()
    client = create_app(settings).test_client()
    start = client.get("/install/salesforce")
    consent = pinned_session(str(crm.ca_bundle)).get(
        start.headers["Location"], allow_redirects=False, timeout=10
    )
    back = urlsplit(consent.headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 200
    runtime = Runtime.from_settings(settings)
    with runtime.sessions() as session:
        installation_id = session.scalars(select(Installation)).one().id
    org = crm.sandbox.orgs[crm.org_id]
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
            f"{org.api_used - used_before} calls of the org's {org.api_max:,} daily budget"
        )
    crm.stop()


if __name__ == "__main__":
    main()
