"""F9 (security review, December 2026): a reinstall resumes more than 65,535 paused changes on
PostgreSQL (one bind parameter per key used to break the callback with a 503, every time)."""

from __future__ import annotations

import time

from sqlalchemy import func, insert, select

from storage import installations
from storage.tables import ProcessedEvent
from tests.support import salesforce as salesforce_support
from tests.support.salesforce import install

# Fixtures shared with other test directories (tests/support).
crm = salesforce_support.crm
installed = salesforce_support.installed
leadq_settings = salesforce_support.leadq_settings

PAUSED = 70_000


def test_f9_reinstall_resumes_70000_paused_events(client, crm, installed, sessions, enqueued) -> None:
    with sessions.begin() as db:
        installations.set_status(db, installed, installations.NEEDS_REAUTH, "revoked in Salesforce")
        db.execute(
            insert(ProcessedEvent),
            [
                {
                    "installation_id": installed,
                    "event_key": f"sf-om:04l{i:015d}",
                    "object_type": "lead",
                    "record_id": f"00Q5g{i:010d}AAA",
                    "status": "paused",
                }
                for i in range(PAUSED)
            ],
        )
    started = time.perf_counter()
    answer = install(client, crm)  # the admin re-authorizes: the callback resumes the backlog
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200
    with sessions() as db:
        by_status = dict(
            db.execute(
                select(ProcessedEvent.status, func.count())
                .where(ProcessedEvent.installation_id == installed)
                .group_by(ProcessedEvent.status)
            ).all()
        )
    assert by_status == {"queued": PAUSED}, by_status
    assert len(set(enqueued.keys)) == PAUSED, "every resumed change is handed to the workers"
    assert max(len(keys) for _, keys in enqueued.calls) <= 1000, "in messages of at most 1,000 keys"
    print(f"resumed {PAUSED} paused events in {elapsed:.1f} s (install callback included)")
