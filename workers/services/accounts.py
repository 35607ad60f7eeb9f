"""Account scores into the CRM: each company (HubSpot) or account (Salesforce) scored from its people.

The path mirrors the people's: read, score (pure), propose field values, let the write policy decide
against the CRM's current values and the ledger, write in batches, record the ledger and the score.
Coalesced: one read of the accounts and one association read per batch, however many people of
the same account changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector import formatting
from connector.write_policy import Policy, plan_writes
from core.records import Account, FieldState, FieldUpdate, ObjectType, Person, RecordRef
from scoring.accounts import AccountScore, score_account
from scoring.features import person_features
from scoring.score import score_people
from storage import history, ledger, scores
from storage.history import BatchHistory
from storage.scores import NewScore, StoredScore
from workers.services import lead_facts
from workers.services.batch import BatchReport, new_score
from workers.services.context import InstallationContext
from workers.services.writeback import account_fields

log = logging.getLogger(__name__)
BATCH = 100


def account_policies(keys: Iterable[str]) -> dict[str, Policy]:
    """Every leadq field on an account is app-owned: written when leadq's value changes, and left
    alone once a person has changed it."""
    return dict.fromkeys(keys, Policy.APP_OWNED)


def score_accounts(
    ctx: InstallationContext,
    account_ids: Sequence[str],
    dry_run: bool = False,
    known: Sequence[tuple[Person, Account | None]] = (),
    accounts: Sequence[Account] | None = None,
) -> BatchReport:
    """Score these accounts from all their people and write their leadq fields.

    ``known``: people already read in this batch (not read again). ``accounts``: the accounts when the
    caller has just read them (a backfill page), else they are read here in one batch."""
    report = BatchReport()
    ids = list(dict.fromkeys(str(i) for i in account_ids if i))
    if not ids:
        return report
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        given = {a.ref.record_id: a for a in accounts or () if a.ref.record_id in chunk}
        report.merge(_score_chunk(ctx, chunk, dry_run, known, given))
    return report


@dataclass(frozen=True, slots=True)
class ScoredAccount:
    account: Account
    score: AccountScore


def _score_chunk(
    ctx: InstallationContext,
    ids: list[str],
    dry_run: bool,
    known: Sequence[tuple[Person, Account | None]],
    given: dict[str, Account],
) -> BatchReport:
    report = BatchReport()
    missing = [i for i in ids if i not in given]
    read = ctx.adapter.read(ObjectType.ACCOUNT, missing) if missing else []
    by_id = given | {a.ref.record_id: a for a in read if isinstance(a, Account)}
    members = ctx.adapter.people_of(list(by_id))
    have = _people(ctx, members, known)
    scored, model_version = _score(ctx, by_id, members, have)
    report.scored = len(scored)
    if not scored:
        return report
    updates = _plan(ctx, scored, model_version, report)
    if dry_run:
        report.written_records = len({u.ref.record_id for u in updates})
        return report
    write = ctx.adapter.write(updates) if updates else None
    report.add_write(write)
    computed_at = ctx.now()  # when it was computed; the score itself is as of the day
    history.record_batch(
        ctx.sessions,
        ctx.installation_id,
        BatchHistory(
            written=list(write.written) if write else [],
            versions={
                (s.account.ref.object_type.value, s.account.ref.record_id): s.account.version for s in scored
            },
            sent=updates,
            failed=write.failed if write else (),
            scores=[_new_score(s, model_version, computed_at) for s in scored],
            keep_score=_changed,
            directory=[lead_facts.account_facts(s.account, {}) for s in scored],
        ),
    )
    log.info(
        "sync.accounts.done",
        extra={"installation": ctx.installation_id, "accounts": len(scored), "writes": report.writes},
    )
    return report


def _people(
    ctx: InstallationContext,
    members: dict[str, list[RecordRef]],
    known: Sequence[tuple[Person, Account | None]],
) -> dict[RecordRef, Person]:
    """The accounts' people: those already read in this batch, the others read here in batches."""
    have = {p.ref: p for p, _a in known}
    wanted: dict[ObjectType, list[str]] = {}
    for refs in members.values():
        for ref in refs:
            if ref not in have:
                wanted.setdefault(ref.object_type, []).append(ref.record_id)
    for obj, person_ids in wanted.items():
        for person in ctx.adapter.read(obj, list(dict.fromkeys(person_ids))):
            if isinstance(person, Person):
                have[person.ref] = person
    return have


def _score(
    ctx: InstallationContext,
    by_id: dict[str, Account],
    members: dict[str, list[RecordRef]],
    have: dict[RecordRef, Person],
) -> tuple[list[ScoredAccount], str]:
    """Each account scored from its people, and the model version their scores came from."""
    now = _day(ctx)
    scored: list[ScoredAccount] = []
    model_version = "rules"
    for account_id, account in by_id.items():
        people = [have[r] for r in members.get(account_id, []) if r in have]
        if not people:
            continue  # an account without people has nothing to be scored from
        pairs = [(p, account) for p in people]
        features = [person_features(p, account, ctx.icp, now) for p in people]
        people_scores = score_people(pairs, ctx.icp, ctx.model, now, ctx.model_note, features)
        model_version = people_scores[0].model_version
        scored.append(
            ScoredAccount(account, score_account(list(zip(features, people_scores, strict=True)), ctx.icp))
        )
    return scored, model_version


def _plan(
    ctx: InstallationContext, scored: list[ScoredAccount], model_version: str, report: BatchReport
) -> list[FieldUpdate]:
    """The updates the write policy allows; the actions and samples go into ``report``."""
    keys = [(ObjectType.ACCOUNT.value, s.account.ref.record_id) for s in scored]
    with ctx.sessions() as session:
        ours_by_record = ledger.for_records(session, ctx.installation_id, keys)
    updates: list[FieldUpdate] = []
    for account, score in ((s.account, s.score) for s in scored):
        proposed = account_fields(ctx.crm, score, model_version)
        ours = ours_by_record.get((ObjectType.ACCOUNT.value, account.ref.record_id), {})
        current = {k: FieldState(account.raw.get(k)) for k in proposed}
        allowed, decisions = plan_writes(account.ref, proposed, current, ours, account_policies(proposed))
        for d in decisions:
            report.actions[(f"account.{d.key}", d.action.value)] += 1
        if allowed:
            allowed.append(FieldUpdate(account.ref, "leadq_scored_at", formatting.date_time(ctx.now())))
            updates.extend(allowed)
            report.add_sample(f"account {account.ref.record_id}", decisions)
    return updates


def _new_score(scored: ScoredAccount, model_version: str, computed_at: datetime) -> NewScore:
    account, score = scored.account, scored.score
    reasons: list[list[Any]] = [["account", 0.0, text] for text in score.reasons]
    reasons.append(["account.committee", score.committee_coverage, score.committee_text()])
    return new_score(account.ref, account.version, score, reasons, model_version, computed_at)


def _changed(new: NewScore, stored: StoredScore | None) -> bool:
    """Not the account's score as last stored: history records changes, not repetitions."""
    return not scores.same_score(stored, new)


def _day(ctx: InstallationContext) -> datetime:
    """Scores are as of the start of the (UTC) day: a same-day re-run finds the same values."""
    return ctx.now().replace(hour=0, minute=0, second=0, microsecond=0)
