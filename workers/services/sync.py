"""Score, route and write back a batch of people; and the change handler built on it.

The one path every change takes, real-time or backfill, in three steps: plan
(``people_plan``: score in bulk, route the unowned, propose field values, let the write
policy decide against the CRM's current values and the ledger), apply (write in batches,
then restore the edits people made meanwhile) and record (``storage.history``: the
ledger, scores, routing decisions, overrides and dead letters in one transaction).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from connector import formatting
from connector.base import WriteReport
from connector.registry import provider
from core.records import (
    Account,
    FieldUpdate,
    ObjectType,
    Person,
    PipelineLead,
    RecordRef,
    version_time,
)
from routing.decide import route
from routing.service import route_and_commit
from routing.types import Decision, RoutingLead, Snapshot
from scoring.score import Score
from storage import events as event_store
from storage import history, ledger, scores
from storage.events import QueuedEvent
from storage.history import BatchHistory, Override, RoutingEntry
from storage.lead_directory import LeadFacts
from storage.scores import NewScore, StoredScore
from storage.stamps import aware
from storage.statuses import EventStatus
from workers.services import guard, lead_facts
from workers.services.accounts import score_accounts
from workers.services.batch import BatchReport, new_score
from workers.services.context import InstallationContext
from workers.services.engaged_people import engaged_people
from workers.services.guard import LostEdit
from workers.services.lead_creation import Created, create_planned
from workers.services.owner_writes import refused_owners, write_keeping_fields
from workers.services.people_plan import BatchPlan, Planner, ScoredLead, key_of, plan_batch
from workers.services.rep_performance import rep_record
from workers.services.requalify_plan import prior_of
from workers.services.writeback import LABEL_FIELD, lead_labels, policies

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Applied:
    """What a planned batch's write did: the CRM's report, and the people's edits the guard restored."""

    write: WriteReport | None
    lost: list[LostEdit]


def process_people(
    ctx: InstallationContext,
    pairs: Sequence[tuple[Person, Account | None]],
    dry_run: bool = False,
    leads: Mapping[str, Sequence[PipelineLead]] | None = None,
    new_contact_triggers: bool = True,
) -> BatchReport:
    """Score, route and write back these people and their open pipeline leads (``leads``: by person
    id; read from the CRM when not given and the installation has them): plan (pure), apply (the CRM
    write and the guard), record (one transaction). A dry run plans only, and moves no routing
    counter. ``new_contact_triggers``: flag a new contact at a company with engaged contacts (off for
    backfills: every contact is new to leadq there)."""
    if not pairs:
        return BatchReport()
    leads_api = ctx.adapter.pipeline_leads
    if leads is None and leads_api is not None:
        leads = leads_api.open_leads_of([p.ref.record_id for p, _a in pairs])
    own_leads = [lead for p, _a in pairs for lead in (leads or {}).get(p.ref.record_id, ())]
    # Scores are computed as of the start of the (UTC) day: a re-run the same day finds identical
    # values and writes nothing; engagement decay between days is the scheduled decay pass's business.
    # Routing (working hours, SLA deadlines, the audit log) runs on the actual clock.
    clock = ctx.now()
    day = clock.replace(hour=0, minute=0, second=0, microsecond=0)
    records: list[Person | PipelineLead] = [*(p for p, _a in pairs), *own_leads]
    keys = [key_of(r) for r in records]
    with ctx.sessions() as session:
        written_before = ledger.for_records(session, ctx.installation_id, keys)
        stored = scores.newest_for(session, ctx.installation_id, keys)
    stale = frozenset(key_of(r) for r in records if _superseded(r, stored.get(key_of(r))))
    for record in records:
        if key_of(record) in stale:
            log.warning(
                "sync.stale-read-skipped", extra={"record": record.ref.record_id, "read": record.version}
            )
    computed_at = ctx.now()  # the real time: stored with each new score and written as leadq_scored_at
    planner = _planner(ctx, clock, dry_run, new_contact_triggers)
    scored_at = formatting.date_time(computed_at)
    priors = {k: prior_of(s.tier, aware(s.last_engaged_at), s.reasons) for k, s in stored.items()}
    plan = plan_batch(planner, pairs, day, scored_at, written_before, stale, leads, priors)
    report = plan.report
    if dry_run:
        report.written_records = len({u.ref for u in plan.updates})
        report.leads_created = len(plan.to_create)  # would be created
        return report
    applied = _apply(ctx, plan, {r.ref: r for r in records})
    created = create_planned(ctx, plan.to_create)
    if created.leads:  # recorded like the other leads: their score, directory row and ledger
        inputs = {s.person.ref: s.inputs for s in plan.scored}
        plan.leads += [
            ScoredLead(lead, p.person, p.score, inputs.get(p.person.ref)) for lead, p in created.leads
        ]
        applied = Applied(_with_created(applied.write, created), applied.lost)
    report.add_write(applied.write)
    report.leads_created = len(created.leads)
    report.restored = len(applied.lost)
    directory = _directory(ctx, plan, applied, {key_of(p): a for p, a in pairs}, stale)
    _record(ctx, plan, applied, stale, clock, computed_at, directory)
    return report


def _with_created(write: WriteReport | None, created: Created) -> WriteReport:
    """The batch's write report with the fields set on the leads just created."""
    before = write or WriteReport()
    return WriteReport(
        written=(*before.written, *created.written),
        failed=before.failed,
        api_calls=before.api_calls + created.api_calls,
    )


def _planner(ctx: InstallationContext, clock: datetime, dry_run: bool, new_contact_triggers: bool) -> Planner:
    def commit(lead: RoutingLead) -> Decision:
        # The performance step, when the routing file has it on, weighs each rep by their record
        # (won/decided per segment) from leadq's store: read once, kept for minutes (rep_performance).
        config = ctx.load_routing()
        performance = rep_record(ctx, config)
        return route_and_commit(lead, config, ctx.routing_state, clock, performance=performance)

    def preview(lead: RoutingLead) -> Decision:  # decide, but commit nothing: a preview moves no counter
        config = ctx.load_routing()  # weighed as the commit would weigh it (the reps' records)
        return route(lead, config, Snapshot(week="preview", performance=rep_record(ctx, config) or {}), clock)

    routing = ctx.load_routing() if ctx.adapter.pipeline_leads is not None else None
    return Planner(
        crm=ctx.crm,
        icp=ctx.icp,
        model=ctx.model,
        model_note=ctx.model_note,
        owner_key=ctx.adapter.owner_field,
        policies=policies(ctx.crm),
        route=preview if dry_run else commit,
        lead_labels=lead_labels(routing) if routing else {},
        create_leads=bool(routing and routing.pipeline_leads.create),
        now=clock,
        engaged=engaged_people(ctx) if new_contact_triggers and not dry_run else None,
    )


def _apply(
    ctx: InstallationContext, plan: BatchPlan, read: dict[RecordRef, Person | PipelineLead]
) -> Applied:
    """Write the planned updates (a refused owner alone fails), then restore the edits people made
    between leadq's read and its write."""
    write = write_keeping_fields(ctx.adapter, plan.updates) if plan.updates else None
    lost = _guard(ctx, list(write.written) if write else [], read)
    refused = refused_owners(write)
    for routed in plan.routed:  # the CRM refused the owner: the rep's open-lead count given back
        if routed.person.ref in refused and routed.decision.owner_id:
            ctx.routing_state.release(routed.decision.owner_id)
    return Applied(write, lost)


def _record(
    ctx: InstallationContext,
    plan: BatchPlan,
    applied: Applied,
    stale: frozenset[tuple[str, str]],
    clock: datetime,
    computed_at: datetime,
    directory: list[LeadFacts],
) -> None:
    """The ledger keeps what leadq wrote even where a person's value was restored over it: the CRM
    now holds something other than leadq's last value, which the write policy reads as human."""
    people: dict[tuple[str, str], Person | PipelineLead] = {key_of(s.person): s.person for s in plan.scored}
    people.update((key_of(s.lead), s.lead) for s in plan.leads)
    refused = refused_owners(applied.write)

    def keep(new: NewScore, newest: StoredScore | None) -> bool:  # another task may have run meanwhile
        if _superseded(people[new.key], newest):
            return False
        return not scores.same_score(newest, new, points=formatting.number)  # as written: ties half up

    lost = [Override(e.update.ref, e.update.key, e.update.value, e.human_value) for e in applied.lost]
    history.record_batch(
        ctx.sessions,
        ctx.installation_id,
        BatchHistory(
            written=list(applied.write.written) if applied.write else [],
            versions={key: p.version for key, p in people.items()},
            sent=plan.updates,
            failed=applied.write.failed if applied.write else (),
            scores=[
                *(
                    _new_score(s.person, s.score, computed_at, s.person, s.inputs)
                    for s in plan.scored
                    if key_of(s.person) not in stale
                ),
                *(_new_score(s.lead, s.score, computed_at, s.person, s.inputs) for s in plan.leads),
            ],
            keep_score=keep,
            routed=[
                RoutingEntry(
                    r.person.ref,
                    r.decision,
                    r.person.owner_id,
                    r.person.ref in refused,
                    probability=r.probability,
                    created_at=r.person.created_at,
                )
                for r in plan.routed
            ],
            decided_at=clock,
            overrides=[*lost, *(Override(d.ref, d.key, d.after, d.before) for d in plan.overrides)],
            directory=directory,
        ),
    )


def _directory(
    ctx: InstallationContext,
    plan: BatchPlan,
    applied: Applied,
    accounts: dict[tuple[str, str], Account | None],
    stale: frozenset[tuple[str, str]],
) -> list[LeadFacts]:
    """Who the scored people are (name, e-mail, company, owner) for the admin app's Leads list; the
    owner's name where routing already loaded the reps for this batch (no extra CRM call)."""
    owner_key = ctx.adapter.owner_field
    written = {u.ref: u.value for u in (applied.write.written if applied.write else ()) if u.key == owner_key}
    names = lead_facts.owner_names(ctx.load_routing()) if plan.routed or plan.leads else {}
    facts = [
        lead_facts.person_facts(
            s.person, accounts.get(key_of(s.person)), written.get(s.person.ref, s.person.owner_id), names
        )
        for s in plan.scored
        if key_of(s.person) not in stale
    ]
    labels = {
        u.ref: u.value for u in (applied.write.written if applied.write else ()) if u.key == LABEL_FIELD
    }
    for s in plan.leads:
        owner, label = written.get(s.lead.ref, s.lead.owner_id), labels.get(s.lead.ref, s.lead.label)
        account = accounts.get(key_of(s.person))
        facts.append(lead_facts.pipeline_lead_facts(s.lead, s.person, account, owner, label, names))
    return facts


def _new_score(
    record: Person | PipelineLead,
    score: Score,
    computed_at: datetime,
    person: Person,
    inputs: Mapping[str, object] | None,
) -> NewScore:
    """``person``: the record itself, or the person a pipeline lead belongs to (its engagement);
    ``inputs``: the person's model inputs, stored with the score for drift monitoring."""
    reasons = [[r.factor, r.contribution, r.text] for r in score.reasons]
    engaged = person.engagement.last_engaged_at
    return new_score(
        record.ref, record.version, score, reasons, score.model_version, computed_at, engaged, inputs
    )


def _superseded(person: Person | PipelineLead, stored: StoredScore | None) -> bool:
    """leadq already scored a newer state of this record than the one just read: this read is stale
    (a slow task overtaken by a later one) and must neither write nor be recorded."""
    if stored is None:
        return False
    mine, theirs = version_time(person.version), version_time(stored.record_version or "")
    return mine is not None and theirs is not None and theirs > mine


def _guard(
    ctx: InstallationContext, written: list[FieldUpdate], read: dict[RecordRef, Person | PipelineLead]
) -> list[LostEdit]:
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
    deadline = time.monotonic() + window_s
    while time.monotonic() < deadline:
        with ctx.sessions() as session:
            queued = event_store.count_queued(session, ctx.installation_id)
        if queued >= batch:
            return
        time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))


def _process_rows(ctx: InstallationContext, rows: Sequence[QueuedEvent]) -> BatchReport:
    """One batch of changes: the people who changed, the people of every company that changed (a
    company's industry or size moves its people's fit) and of every pipeline lead that changed, each
    person with their open leads; then each account touched, once."""
    accounts = list(dict.fromkeys(r.record_id for r in rows if r.object_type == ObjectType.ACCOUNT.value))
    wanted = {
        obj: [r.record_id for r in rows if r.object_type == obj.value] for obj in ctx.adapter.people_objects
    }
    if accounts:
        for refs in ctx.adapter.people_of(accounts).values():
            for ref in refs:
                wanted.setdefault(ref.object_type, []).append(ref.record_id)
    leads_api = ctx.adapter.pipeline_leads
    changed_leads = list(
        dict.fromkeys(r.record_id for r in rows if r.object_type == ObjectType.PIPELINE_LEAD.value)
    )
    if changed_leads and leads_api is not None:  # a changed lead: its person, and with them all their leads
        people = [lead.person_id for lead in leads_api.read_leads(changed_leads) if lead.person_id]
        wanted.setdefault(ObjectType.CONTACT, []).extend(people)
    pairs: list[tuple[Person, Account | None]] = []
    for obj, ids in wanted.items():
        unique = list(dict.fromkeys(ids))
        pairs += ctx.adapter.read_with_accounts(obj, unique) if unique else []
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
                rows = event_store.claim_queued(session, ctx.installation_id, max_events)
            if not rows:
                return total
            total.merge(_process_rows(ctx, rows))
            with ctx.sessions.begin() as session:
                event_store.mark_done(session, [r.id for r in rows])
            log.info(
                "sync.changes.done",
                extra={
                    "installation": ctx.installation_id,
                    "events": len(rows),
                    "scored": total.scored,
                    "writes": total.writes,
                },
            )


def note_versions_read(ctx: InstallationContext, records: Iterable[Person | Account | None]) -> int:
    """Record the Salesforce versions the change handler has just read as handled: the poll then
    skips them (one change, processed once, however it arrived). Returns how many were new."""
    version_key = provider(ctx.crm).changes.version_key
    if version_key is None:  # only a polled CRM dedupes changes by record version
        return 0
    rows = []
    for record in records:
        if record is None or not record.version:
            continue
        stamp = version_time(record.version)
        try:
            key = version_key(record.ref.object_type, record.ref.record_id, record.version)
        except ValueError:
            continue
        if stamp is None:
            continue
        rows.append((key, record.ref.object_type.value, record.ref.record_id, stamp))
    if not rows:
        return 0
    with ctx.sessions.begin() as session:
        return len(event_store.record_new(session, ctx.installation_id, rows, status=EventStatus.DONE))
