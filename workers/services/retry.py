"""Retrying dead letters: read the failed records again and send them through the same path.

A record that fails again keeps its one open dead letter (the write path updates it: message,
attempts, last failure); every other one is resolved, never duplicated. People go through
process_people, companies and accounts through score_accounts.
"""

from __future__ import annotations

from core.records import Account, Person
from storage import dead_letters
from workers.services.accounts import score_accounts
from workers.services.context import InstallationContext
from workers.services.sync import process_people


def retry_dead_letters(ctx: InstallationContext) -> tuple[int, int]:
    """(records retried, still failing). A record that no longer exists is resolved, not retried."""
    with ctx.sessions() as session:
        keys = {(r.object_type, r.record_id) for r in dead_letters.open_rows(session, ctx.installation_id)}
    people = {obj.value for obj in ctx.adapter.people_objects}
    pairs: list[tuple[Person, Account | None]] = []
    for obj in ctx.adapter.people_objects:
        of_kind = sorted(record_id for object_type, record_id in keys if object_type == obj.value)
        pairs += ctx.adapter.read_with_accounts(obj, of_kind) if of_kind else []
    failed = process_people(ctx, pairs).failed_ids if pairs else set()
    failing = {k for k in keys if k[0] in people and k[1] in failed}
    accounts = sorted({record_id for object_type, record_id in keys if object_type not in people})
    failed = score_accounts(ctx, accounts).failed_ids if accounts else set()
    failing |= {k for k in keys if k[0] not in people and k[1] in failed}
    with ctx.sessions.begin() as session:
        dead_letters.resolve(session, ctx.installation_id, keys - failing)
    return len(keys), len(failing)
