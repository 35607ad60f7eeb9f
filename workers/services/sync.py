"""Score, route and write back a batch of people; and the change handler built on it.

The one path every change takes, real-time or backfill: score in bulk, route the
unowned, propose field values, let the write policy decide against the CRM's
current values and the ledger, write in batches, record the ledger, scores,
routing decisions, overrides and dead letters.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from connector import formatting
from connector.write_policy import Action, FieldDecision, plan_writes
from core.records import Account, FieldState, FieldUpdate, ObjectType, Person, Verdict
from routing.decide import route
from routing.service import route_and_commit
from routing.types import Decision, Snapshot
from scoring.features import person_features
from scoring.score import score_people
from storage import dead_letters, ledger, routing_log
from storage.tables import Feedback, ProcessedEvent, ScoreRow
from workers.services import guard
from workers.services.context import InstallationContext
from workers.services.guard import LostEdit
from workers.services.owner_writes import mark_refused, refused_owners, write_keeping_fields
from workers.services.routing_lead import routing_lead
from workers.services.writeback import APP_FIELDS, fields_from, policies

log = logging.getLogger(__name__)
SAMPLES = 5


@dataclass
class BatchReport:
    scored: int = 0
    written_records: int = 0
    writes: int = 0
    api_calls: int = 0
    failed: int = 0
    failed_ids: set[str] = field(default_factory=set)
    restored: int = 0  # people's edits that landed between leadq's read and write, written back
    actions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (field, action) -> count
    samples: list[dict[str, Any]] = field(default_factory=list)
    accounts_scored: int = 0  # companies/accounts re-scored because of these people (counted apart)
    account_writes: int = 0

    def merge(self, other: BatchReport) -> None:
        self.accounts_scored += other.accounts_scored
        self.account_writes += other.account_writes
        self.scored += other.scored
        self.written_records += other.written_records
        self.writes += other.writes
        self.api_calls += other.api_calls
        self.failed += other.failed
        self.failed_ids |= other.failed_ids
        self.restored += other.restored
        self.actions.update(other.actions)
        self.samples.extend(other.samples[: max(0, SAMPLES - len(self.samples))])


def process_people(
    ctx: InstallationContext, pairs: Sequence[tuple[Person, Account | None]], dry_run: bool = False
) -> BatchReport:
    report = BatchReport()
    if not pairs:
        return report
    # Scores are computed as of the start of the (UTC) day: a re-run the same day finds identical
    # values and writes nothing; engagement decay between days is the scheduled decay pass's business.
    # Routing (working hours, SLA deadlines, the audit log) runs on the actual clock.
    clock = ctx.now()
    now = clock.replace(hour=0, minute=0, second=0, microsecond=0)
    features = [person_features(p, a, ctx.icp, now) for p, a in pairs]  # scoring and routing share them
    scores = score_people(pairs, ctx.icp, ctx.model, now, ctx.model_note, features)
    report.scored = len(scores)
    keys = [(p.ref.object_type.value, p.ref.record_id) for p, _a in pairs]
    with ctx.sessions() as session:
        written_before = ledger.for_records(session, ctx.installation_id, keys)
        stored = _newest_scores(session, ctx.installation_id, pairs)
    owner_key = ctx.adapter.owner_field
    field_policies = policies(ctx.crm)
    computed_at = ctx.now()  # the real time: stored with each new score and written as leadq_scored_at
    updates: list[FieldUpdate] = []
    decisions: list[tuple[Person, Decision]] = []
    overrides: list[FieldDecision] = []
    stale: set[tuple[str, str]] = set()
    for (person, _account), score, feats in zip(pairs, scores, features, strict=True):
        key = (person.ref.object_type.value, person.ref.record_id)
        if _superseded(person, stored.get(key)):
            stale.add(key)
            log.warning(
                "sync.stale-read-skipped", extra={"record": person.ref.record_id, "read": person.version}
            )
            continue
        ours = written_before.get(key, {})
        decision = None
        owner_is_ours = person.owner_id is not None and ours.get(owner_key) == person.owner_id
        if person.owner_id is None and score.verdict != Verdict.NEEDS_INFO:
            lead = routing_lead(person, feats, score.tier, score.verdict)
            if dry_run:  # decide, but commit nothing: a preview must not move any counter
                decision = route(lead, ctx.routing, Snapshot(week="preview"), clock)
            else:
                decision = route_and_commit(lead, ctx.routing, ctx.routing_state, clock)
                decisions.append((person, decision))
        proposed = fields_from(ctx.crm, score, decision)
        if owner_is_ours:
            proposed.pop(owner_key, None)  # routed already; a re-run must not re-route
        current = {k: FieldState(person.raw.get(k)) for k in proposed}
        allowed, field_decisions = plan_writes(person.ref, proposed, current, ours, field_policies)
        for d in field_decisions:
            report.actions[(d.key, d.action.value)] += 1
            if d.action == Action.HUMAN and d.key in (*APP_FIELDS, owner_key) and d.key in ours:
                overrides.append(d)
        if allowed:
            allowed.append(FieldUpdate(person.ref, "leadq_scored_at", formatting.date_time(computed_at)))
            updates.extend(allowed)
            if len(report.samples) < SAMPLES:
                report.samples.append(
                    {
                        "record": person.ref.record_id,
                        "changes": {
                            d.key: {"before": d.before, "after": d.after} for d in field_decisions if d.writes
                        },
                    }
                )
    if dry_run:
        report.written_records = len({u.ref.record_id for u in updates})
        return report
    write = write_keeping_fields(ctx.adapter, updates) if updates else None  # a refused owner alone fails
    report.api_calls = write.api_calls if write else 0
    written = list(write.written) if write else []
    report.writes = len(written)
    report.written_records = len({u.ref.record_id for u in written})
    report.failed = len(write.failed) if write else 0
    report.failed_ids = {e.ref.record_id for e in write.failed} if write else set()
    lost = _guard(ctx, written, {p.ref: p for p, _a in pairs})
    report.restored = len(lost)
    with ctx.sessions.begin() as session:
        # The ledger keeps what leadq wrote even where a person's value was restored over it: the CRM
        # now holds something other than leadq's last value, which the write policy reads as human.
        ledger.record_writes(
            session, ctx.installation_id, written, {p.ref.record_id: p.version for p, _a in pairs}
        )
        for edit in lost:
            session.add(
                Feedback(
                    installation_id=ctx.installation_id,
                    object_type=edit.update.ref.object_type.value,
                    record_id=edit.update.ref.record_id,
                    kind="override",
                    field_key=edit.update.key,
                    leadq_value=edit.update.value,
                    human_value=edit.human_value,
                )
            )
        newest = _newest_scores(session, ctx.installation_id, pairs)  # again: another task may have run
        for (person, _a), score in zip(pairs, scores, strict=True):
            key = (person.ref.object_type.value, person.ref.record_id)
            if key in stale or _superseded(person, newest.get(key)) or _same_score(newest.get(key), score):
                continue  # the same score as last time: history records changes, not repetitions
            session.add(
                ScoreRow(
                    installation_id=ctx.installation_id,
                    object_type=person.ref.object_type.value,
                    record_id=person.ref.record_id,
                    record_version=person.version,
                    fit=score.fit,
                    engagement=score.engagement,
                    probability=score.probability,
                    tier=score.tier.value,
                    verdict=score.verdict.value,
                    confidence=score.confidence,
                    reasons=[[r.factor, r.contribution, r.text] for r in score.reasons],
                    model_version=score.model_version,
                    scored_at=computed_at,  # when it was computed; the score itself is as of the day
                )
            )
        refused = refused_owners(write)
        for person, decision in decisions:
            row = routing_log.record(
                session,
                ctx.installation_id,
                person.ref.object_type.value,
                person.ref.record_id,
                decision,
                previous_owner_id=person.owner_id,
                decided_at=clock,
            )
            if person.ref in refused:  # the CRM refused the owner: not an open assignment
                mark_refused(row, ctx.routing_state)
        for d in overrides:
            session.add(
                Feedback(
                    installation_id=ctx.installation_id,
                    object_type=d.ref.object_type.value,
                    record_id=d.ref.record_id,
                    kind="override",
                    field_key=d.key,
                    leadq_value=d.after,
                    human_value=d.before,
                )
            )
        dead_letters.record_outcome(
            session, ctx.installation_id, written, write.failed if write else (), updates
        )
    return report


def _same_score(stored: ScoreRow | None, score: Any) -> bool:
    """Equal as leadq shows and writes them: tier, verdict, whole points, probability to 4 places."""
    if stored is None:
        return False

    def rounded(p: float | None) -> float | None:
        return None if p is None else round(p, 4)

    return (
        stored.tier == score.tier.value
        and stored.verdict == score.verdict.value
        and formatting.number(stored.fit) == formatting.number(score.fit)  # as written: ties half up
        and formatting.number(stored.engagement) == formatting.number(score.engagement)
        and rounded(stored.probability) == rounded(score.probability)
        and stored.model_version == score.model_version
        and [list(r) for r in stored.reasons or []]
        == [[r.factor, r.contribution, r.text] for r in score.reasons]
    )


def _newest_scores(
    session: Any, installation_id: int, pairs: Sequence[Any]
) -> dict[tuple[str, str], ScoreRow]:
    """Each record's newest stored score: one indexed query per object type in the batch (the index
    leads with installation, object type, record id; without the object type it would scan)."""
    from sqlalchemy import func

    by_type: dict[str, set[str]] = {}
    for person, _a in pairs:
        by_type.setdefault(person.ref.object_type.value, set()).add(person.ref.record_id)
    out: dict[tuple[str, str], ScoreRow] = {}
    for object_type, ids in by_type.items():
        newest = (
            select(func.max(ScoreRow.id))
            .where(
                ScoreRow.installation_id == installation_id,
                ScoreRow.object_type == object_type,
                ScoreRow.record_id.in_(ids),
            )
            .group_by(ScoreRow.record_id)
        )
        for row in session.scalars(select(ScoreRow).where(ScoreRow.id.in_(newest))):
            out[(row.object_type, row.record_id)] = row
    return out


def _stamp(version: str) -> datetime | None:
    from core.records import version_time

    return version_time(version)


def _superseded(person: Person, stored: ScoreRow | None) -> bool:
    """leadq already scored a newer state of this record than the one just read: this read is stale
    (a slow task overtaken by a later one) and must neither write nor be recorded."""
    if stored is None:
        return False
    mine, theirs = _stamp(person.version), _stamp(stored.record_version or "")
    return mine is not None and theirs is not None and theirs > mine


def _guard(ctx: InstallationContext, written: list[FieldUpdate], read: dict[Any, Person]) -> list[LostEdit]:
    """Find and restore edits people made between leadq's read and its write (see guard.py)."""
    checked = guard.to_check(written, read, ctx.now(), ctx.runtime.settings.write_guard_window_s)
    if not checked:
        return []
    lost = guard.find_lost_edits(checked, read, ctx.adapter.replaced_values(checked))
    for error in guard.restore(ctx.adapter, lost):
        log.error(
            "sync.guard.restore-failed",
            extra={"record": error.ref.record_id, "reason": error.reason, "message": error.message[:200]},
        )
    return lost


def _gather(ctx: InstallationContext, window_s: float, batch: int) -> None:
    """Wait for a full batch or the end of a short window, whichever comes first."""
    from sqlalchemy import func

    deadline = time.monotonic() + window_s
    while time.monotonic() < deadline:
        with ctx.sessions() as session:
            queued = session.scalar(
                select(func.count())
                .select_from(ProcessedEvent)
                .where(
                    ProcessedEvent.installation_id == ctx.installation_id, ProcessedEvent.status == "queued"
                )
            )
        if (queued or 0) >= batch:
            return
        time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))


def _process_rows(ctx: InstallationContext, rows: Sequence[Any]) -> BatchReport:
    """One batch of changes: the people who changed, the people of every company that changed (a
    company's industry or size moves its people's fit), then each account touched, once."""
    from workers.services.accounts import score_accounts

    accounts = list(dict.fromkeys(r.record_id for r in rows if r.object_type == ObjectType.ACCOUNT.value))
    wanted = {
        obj: [r.record_id for r in rows if r.object_type == obj.value] for obj in ctx.adapter.people_objects
    }
    if accounts:
        for refs in ctx.adapter.people_of(accounts).values():
            for ref in refs:
                wanted.setdefault(ref.object_type, []).append(ref.record_id)
    pairs: list[tuple[Person, Account | None]] = []
    for obj, ids in wanted.items():
        unique = list(dict.fromkeys(ids))
        pairs += ctx.adapter.read_with_accounts(obj, unique) if unique else []
    from workers.services.poll import note_versions_read  # poll imports backfill, which imports this

    note_versions_read(ctx, [record for pair in pairs for record in pair])  # the poll skips them
    report = process_people(ctx, pairs)
    touched = [*accounts, *(a.ref.record_id for _p, a in pairs if a is not None)]
    if touched:  # the accounts' figures are kept apart from the people's
        read = list({a.ref.record_id: a for _p, a in pairs if a is not None}.values())  # not read again
        accounts_report = score_accounts(ctx, touched, known=pairs, accounts=read)
        report.accounts_scored += accounts_report.scored
        report.account_writes += accounts_report.writes
        report.api_calls += accounts_report.api_calls
    return report


def handle_changes(
    ctx: InstallationContext, max_events: int = 500, window_s: float = 0.05, batch: int = 100
) -> BatchReport:
    """Process every queued change of this installation, coalesced into batch reads: changes that
    arrive within ``window_s`` of each other (or a full batch) share one read and one write."""
    total = BatchReport()
    if window_s > 0:
        _gather(ctx, window_s, batch)
    with ctx.runtime.locks(f"changes:{ctx.installation_id}"):
        while True:
            with ctx.sessions.begin() as session:
                rows = session.execute(
                    select(ProcessedEvent.id, ProcessedEvent.object_type, ProcessedEvent.record_id)
                    .where(
                        ProcessedEvent.installation_id == ctx.installation_id,
                        ProcessedEvent.status == "queued",
                    )
                    .order_by(ProcessedEvent.id)
                    .limit(max_events)
                ).all()
            if not rows:
                return total
            total.merge(_process_rows(ctx, rows))
            with ctx.sessions.begin() as session:
                session.execute(
                    update(ProcessedEvent)
                    .where(ProcessedEvent.id.in_([r.id for r in rows]))
                    .values(status="done")
                )
            log.info(
                "sync.changes.done",
                extra={
                    "installation": ctx.installation_id,
                    "events": len(rows),
                    "scored": total.scored,
                    "writes": total.writes,
                },
            )
