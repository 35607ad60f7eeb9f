"""Acceptance at size: 20,000 Salesforce records backfilled with at most one write call per 200
records plus a small constant; a re-run writes nothing."""

from __future__ import annotations

import math

import pytest

from tests.support.salesforce import org_of
from workers.services.backfill import run_backfill

pytestmark = pytest.mark.backend(
    "postgres",
    reason="20,000 records is a production-sized org, which runs on PostgreSQL; SQLite's backfills are "
    "tested at a smaller size (tests/integration/salesforce, tests/integration/sync)",
)

RECORDS = 20_000


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=45, records=RECORDS, portals=0, https=True)


def test_twenty_thousand_records(ctx, crm) -> None:
    org = org_of(crm)
    people = sum(1 for r in org.live("Lead") if not r["IsConverted"]) + len(org.live("Contact"))
    assert people >= RECORDS * 0.6
    before = len(crm.requests)
    done = 0
    for obj in ctx.adapter.people_objects:
        progress, report = run_backfill(ctx, obj)
        assert progress.status == "done" and report.failed == 0
        done += progress.done
    assert done == people
    entries = crm.requests.entries()[before:]
    writes = [e for e in entries if e.path.endswith("/composite/sobjects") and e.method == "PATCH"]
    written = {r["id"] for e in writes for r in e.body["records"]}
    assert len(written) == people
    assert len(writes) <= math.ceil(people / 200) + 4, len(writes)
    reads = [e for e in entries if "/query" in e.path]
    assert len(reads) <= math.ceil(people / 2000) + math.ceil(len(org.live("Account")) / 2000) + 6
    before = len(crm.requests)
    for obj in ctx.adapter.people_objects:
        _progress, report = run_backfill(ctx, obj, restart=True)
        assert report.writes == 0
    assert not [e for e in crm.requests.entries()[before:] if e.method == "PATCH"]
