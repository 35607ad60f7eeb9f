"""Retrying dead letters: read the failed records again and send them through the same path."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from leadq.storage.tables import DeadLetter
from workers.services.context import InstallationContext
from workers.services.sync import process_people


def retry_dead_letters(ctx: InstallationContext) -> tuple[int, int]:
    """(records retried, still failing). A record that no longer exists is resolved, not retried."""
    with ctx.sessions() as session:
        rows = list(
            session.scalars(
                select(DeadLetter).where(
                    DeadLetter.installation_id == ctx.installation_id, DeadLetter.resolved_at.is_(None)
                )
            )
        )
    pairs, ids = [], []
    for obj in ctx.adapter.people_objects:
        of_kind = sorted({r.record_id for r in rows if r.object_type == obj.value})
        ids += of_kind
        pairs += ctx.adapter.read_with_accounts(obj, of_kind) if of_kind else []
    report = process_people(ctx, pairs) if pairs else None
    failing = set(report.failed_ids) if report else set()
    with ctx.sessions.begin() as session:
        for row in session.scalars(select(DeadLetter).where(DeadLetter.id.in_([r.id for r in rows]))):
            row.attempts += 1
            if row.record_id not in failing:
                row.resolved_at = datetime.now(UTC)
    return len(ids), len(failing)
