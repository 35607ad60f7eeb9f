"""Retrying dead letters: read the failed records again and send them through the same path.

A record that fails again keeps its one open dead letter (the write path updates it: message,
attempts, last failure); every other one is resolved, never duplicated. People go through
process_people, companies and accounts through score_accounts.
"""

from __future__ import annotations

from core.records import Account, ObjectType, Person
from storage import dead_letters
from workers.services.accounts import score_accounts
from workers.services.context import InstallationContext
from workers.services.sync import process_people


def retry_dead_letters(ctx: InstallationContext) -> tuple[int, int]:
    """(records retried, still failing). A record that no longer exists is resolved, not retried."""
    with ctx.sessions() as session:
        keys = {(r.object_type, r.record_id) for r in dead_letters.open_rows(session, ctx.installation_id)}
    people = {obj.value for obj in ctx.adapter.people_objects} | {ObjectType.PIPELINE_LEAD.value}
    wanted = {obj: sorted(i for t, i in keys if t == obj.value) for obj in ctx.adapter.people_objects}
    leads_api = ctx.adapter.pipeline_leads
    failed_leads = sorted(i for t, i in keys if t == ObjectType.PIPELINE_LEAD.value)
    if failed_leads and leads_api is not None:  # a lead is retried with its person (and their leads)
        found = leads_api.read_leads(failed_leads)
        wanted.setdefault(ObjectType.CONTACT, []).extend(lead.person_id for lead in found if lead.person_id)
    pairs: list[tuple[Person, Account | None]] = []
    for obj, ids in wanted.items():
        unique = list(dict.fromkeys(ids))
        pairs += ctx.adapter.read_with_accounts(obj, unique) if unique else []
    failing = (process_people(ctx, pairs).failed_ids if pairs else set()) & keys
    accounts = sorted({record_id for object_type, record_id in keys if object_type not in people})
    failing |= (score_accounts(ctx, accounts).failed_ids if accounts else set()) & keys
    with ctx.sessions.begin() as session:
        dead_letters.resolve(session, ctx.installation_id, keys - failing)
    return len(keys), len(failing)
