"""Retrying dead letters: read the failed records again and send them through the same path.

A record that fails again keeps its one open dead letter (process_people updates it: message,
attempts, last failure); every other one is resolved, never duplicated.
"""

from __future__ import annotations

from leadq.storage import dead_letters
from workers.services.context import InstallationContext
from workers.services.sync import process_people


def retry_dead_letters(ctx: InstallationContext) -> tuple[int, int]:
    """(records retried, still failing). A record that no longer exists is resolved, not retried."""
    with ctx.sessions() as session:
        keys = {(r.object_type, r.record_id) for r in dead_letters.open_rows(session, ctx.installation_id)}
    pairs, ids = [], []
    for obj in ctx.adapter.people_objects:
        of_kind = sorted(record_id for object_type, record_id in keys if object_type == obj.value)
        ids += of_kind
        pairs += ctx.adapter.read_with_accounts(obj, of_kind) if of_kind else []
    report = process_people(ctx, pairs) if pairs else None
    failing = set(report.failed_ids) if report else set()
    with ctx.sessions.begin() as session:
        dead_letters.resolve(session, ctx.installation_id, {k for k in keys if k[1] not in failing})
    return len(ids), len(failing)
