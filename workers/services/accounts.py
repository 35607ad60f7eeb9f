"""Account scores into the CRM: each company (HubSpot) or account (Salesforce) scored from its people.

The path mirrors the people's: read, score (pure), propose field values, let the write policy decide
against the CRM's current values and the ledger, write in batches, record the ledger and the score.
Coalesced: one read of the accounts and one association read per batch, however many people of
the same account changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from connector import formatting
from connector.write_policy import Action, Policy, plan_writes
from core.records import Account, FieldState, FieldUpdate, ObjectType, Person, RecordRef
from scoring.accounts import AccountScore, score_account
from scoring.features import person_features
from scoring.score import score_people
from storage import dead_letters, ledger
from storage.tables import ScoreRow
from workers.services.context import InstallationContext
from workers.services.sync import SAMPLES, BatchReport
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
    now = _day(ctx)
    scored: list[tuple[Account, AccountScore]] = []
    model_version = "rules"
    for account_id, account in by_id.items():
        people = [have[r] for r in members.get(account_id, []) if r in have]
        if not people:
            continue  # an account without people has nothing to be scored from
        pairs = [(p, account) for p in people]
        features = [person_features(p, account, ctx.icp, now) for p in people]
        scores = score_people(pairs, ctx.icp, ctx.model, now, ctx.model_note, features)
        model_version = scores[0].model_version
        scored.append((account, score_account(list(zip(features, scores, strict=True)), ctx.icp)))
    report.scored = len(scored)
    if not scored:
        return report
    keys = [(ObjectType.ACCOUNT.value, a.ref.record_id) for a, _s in scored]
    with ctx.sessions() as session:
        ours_by_record = ledger.for_records(session, ctx.installation_id, keys)
    updates: list[FieldUpdate] = []
    proposals: dict[RecordRef, dict[str, str | None]] = {}
    for account, score in scored:
        proposed = account_fields(ctx.crm, score, model_version)
        proposals[account.ref] = proposed
        ours = ours_by_record.get((ObjectType.ACCOUNT.value, account.ref.record_id), {})
        current = {k: FieldState(account.raw.get(k)) for k in proposed}
        allowed, decisions = plan_writes(account.ref, proposed, current, ours, account_policies(proposed))
        for d in decisions:
            report.actions[(f"account.{d.key}", d.action.value)] += 1
        if allowed:
            allowed.append(FieldUpdate(account.ref, "leadq_scored_at", formatting.date_time(ctx.now())))
            updates.extend(allowed)
            if len(report.samples) < SAMPLES:
                report.samples.append(
                    {
                        "record": f"account {account.ref.record_id}",
                        "changes": {
                            d.key: {"before": d.before, "after": d.after}
                            for d in decisions
                            if d.action in (Action.FILL, Action.CHANGE)
                        },
                    }
                )
    if dry_run:
        report.written_records = len({u.ref.record_id for u in updates})
        return report
    write = ctx.adapter.write(updates) if updates else None
    written = list(write.written) if write else []
    report.api_calls = write.api_calls if write else 0
    report.writes = len(written)
    report.written_records = len({u.ref.record_id for u in written})
    report.failed = len(write.failed) if write else 0
    report.failed_ids = {e.ref.record_id for e in write.failed} if write else set()
    with ctx.sessions.begin() as session:
        ledger.record_writes(
            session, ctx.installation_id, written, {a.ref.record_id: a.version for a, _s in scored}
        )
        stored = _newest(session, ctx.installation_id, [a.ref.record_id for a, _s in scored])
        for account, score in scored:
            row = _row(ctx, account, score, model_version)
            if not _same(stored.get(account.ref.record_id), row):
                session.add(row)
        dead_letters.record_outcome(
            session, ctx.installation_id, written, write.failed if write else (), updates
        )
    log.info(
        "sync.accounts.done",
        extra={"installation": ctx.installation_id, "accounts": len(scored), "writes": report.writes},
    )
    return report


def _row(ctx: InstallationContext, account: Account, score: AccountScore, model_version: str) -> ScoreRow:
    reasons: list[list[Any]] = [["account", 0.0, text] for text in score.reasons]
    reasons.append(["account.committee", score.committee_coverage, score.committee_text()])
    return ScoreRow(
        installation_id=ctx.installation_id,
        object_type=ObjectType.ACCOUNT.value,
        record_id=account.ref.record_id,
        record_version=account.version,
        fit=score.fit,
        engagement=score.engagement,
        probability=score.probability,
        tier=score.tier.value,
        verdict=score.verdict.value,
        confidence=score.confidence,
        reasons=reasons,
        model_version=model_version,
        scored_at=ctx.now(),  # when it was computed; the score itself is as of the day
    )


def _day(ctx: InstallationContext) -> Any:
    """Scores are as of the start of the (UTC) day: a same-day re-run finds the same values."""
    return ctx.now().replace(hour=0, minute=0, second=0, microsecond=0)


def _same(stored: ScoreRow | None, new: ScoreRow) -> bool:
    """The same account score as last stored: history records changes, not repetitions."""
    if stored is None:
        return False
    rounded = lambda p: None if p is None else round(p, 4)  # noqa: E731
    return (
        stored.tier == new.tier
        and stored.verdict == new.verdict
        and round(stored.fit) == round(new.fit)
        and round(stored.engagement) == round(new.engagement)
        and rounded(stored.probability) == rounded(new.probability)
        and stored.model_version == new.model_version
        and [list(r) for r in stored.reasons or []] == [list(r) for r in new.reasons]
    )


def _newest(session: Any, installation_id: int, ids: Sequence[str]) -> dict[str, ScoreRow]:
    from sqlalchemy import func, select

    newest = (
        select(func.max(ScoreRow.id))
        .where(
            ScoreRow.installation_id == installation_id,
            ScoreRow.object_type == ObjectType.ACCOUNT.value,
            ScoreRow.record_id.in_(list(ids)),
        )
        .group_by(ScoreRow.record_id)
    )
    return {row.record_id: row for row in session.scalars(select(ScoreRow).where(ScoreRow.id.in_(newest)))}
