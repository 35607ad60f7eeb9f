"""What a rep reads in leadq's reasons field, after a real worker's backfill: shared by the HubSpot
and Salesforce tests (tests/integration/sync/test_reasons_field.py, .../salesforce/...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sqlalchemy import select

from core.records import VERDICT_LABELS, Verdict
from storage.tables import ScoreRow, SyncCursor
from tests.support.sync import start_worker, wait_until, worker_env

WHAT_IF = re.compile(r"^Would be L[1-4] · (Sales-ready|Nurture|Disqualified|Needs info) \S.*$")
ITEM = re.compile(r"^[+!?-] \S")


def backfill_with_a_worker(
    settings, app, sessions, redis_client, installation: int, object_type: str
) -> None:
    """A real Celery worker runs leadq's backfill of ``object_type`` to the end."""

    def done() -> bool:
        with sessions() as session:
            cursor = session.scalars(
                select(SyncCursor).where(SyncCursor.name == "backfill", SyncCursor.object_type == object_type)
            ).one_or_none()
        return cursor is not None and cursor.status == "done"

    redis_client.delete("backfill", "unacked", "unacked_index")
    worker = start_worker(worker_env(settings), "backfill", solo=True)
    try:
        app.extensions["leadq"].celery.send_task(
            "leadq.backfill", args=[installation, object_type, False], queue="backfill"
        )
        assert wait_until(done, 180), "the backfill did not finish"
    finally:
        worker.terminate()
        worker.wait(timeout=15)


def check_fields(
    records: Iterable[tuple[str, str | None, str | None, str | None]],
    limit: int,
    what_ifs_stored: Callable[[], dict[str, str]],
) -> None:
    """Each record's (id, tier, verdict, reasons) as the CRM holds them: the reasons open with the
    summary of the record's own tier and verdict, then signed reasons, then at most one what-if
    line, which is the one leadq stored with the score; all within the field's limit."""
    with_what_if = 0
    stored = what_ifs_stored()
    rows = list(records)
    assert rows
    for record_id, tier, verdict, reasons in rows:
        assert tier and verdict and reasons, record_id
        assert len(reasons) + sum(ord(c) > 0xFFFF for c in reasons) <= limit
        lines = reasons.split("\n")
        label = VERDICT_LABELS[Verdict(verdict)]
        assert lines[0].startswith(f"{tier} · {label} · "), (record_id, lines[0])
        assert lines[1:] and all(ITEM.match(line) for line in lines[1:-1]), (record_id, reasons)
        if WHAT_IF.match(lines[-1]):
            with_what_if += 1
            assert lines[-1] == stored[record_id], "the CRM shows the what-if leadq scored"
        else:
            assert ITEM.match(lines[-1]) and record_id not in stored, (record_id, reasons)
    assert with_what_if >= len(rows) // 10, f"only {with_what_if} of {len(rows)} records have a what-if"


def stored_what_ifs(sessions) -> dict[str, str]:
    """The newest stored score's what-if line of each record."""
    with sessions() as session:
        newest = {r.record_id: r for r in session.scalars(select(ScoreRow).order_by(ScoreRow.id))}
    return {
        record_id: text
        for record_id, row in newest.items()
        for factor, _c, text in (row.reasons or [])
        if factor == "what_if"
    }
