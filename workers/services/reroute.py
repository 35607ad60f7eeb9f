"""The scheduled re-routing pass: SLA missed, rep deactivated.

Finds leadq's open assignments (the routing log) that are past their SLA or whose rep is inactive,
reads those records' current owners from the CRM in batches, decides with
``routing.service.reroute`` on the actual clock, writes a new owner through the normal write
policy and logs every decision with its reason.

- A lead whose owner a person changed in the CRM is never touched (status ``overridden``).
- A lead that was *worked* is kept (status ``worked``): a person (not leadq, not another
  integration) changed its lead status or lifecycle stage after leadq assigned it, as the CRM's field
  history tells. Only leads past their SLA pay for that history read.
- A lead the CRM no longer returns (deleted, merged, converted) is closed (status ``gone``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from connector.base import RecordError, WriteReport
from connector.write_policy import plan_writes
from core.records import (
    Account,
    FieldState,
    FieldUpdate,
    ObjectType,
    Person,
    Tier,
    Verdict,
)
from routing.reroute import Assignment, plan
from routing.service import reroute
from routing.types import Decision, RoutingConfig
from scoring.features import person_features
from storage import ledger, routing_log, scores
from storage.routing_log import StoredDecision
from storage.stamps import aware
from storage.statuses import DecisionStatus
from workers.services.context import InstallationContext
from workers.services.first_touch import touched_after
from workers.services.rep_performance import rep_record
from workers.services.routing_lead import routing_lead
from workers.services.writeback import policies

log = logging.getLogger(__name__)


@dataclass
class RerouteReport:
    checked: int = 0
    rerouted: int = 0
    kept: int = 0
    worked: int = 0
    overridden: int = 0
    gone: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)


def _open_rows(ctx: InstallationContext) -> list[StoredDecision]:
    """The newest decision of each record, where it is an open assignment to a rep (not a queue)."""
    with ctx.sessions() as session:
        return routing_log.newest_open_assignments(session, ctx.installation_id)


def _tiers(
    ctx: InstallationContext, object_type: str, ids: list[str]
) -> tuple[dict[str, tuple[str, str]], dict[str, float | None]]:
    """record id -> (tier, verdict) of its newest stored score, and record id -> its probability."""
    with ctx.sessions() as session:
        newest = scores.newest_for(session, ctx.installation_id, [(object_type, i) for i in ids])
    tiers = {record_id: (r.tier, r.verdict) for (_o, record_id), r in newest.items()}
    return tiers, {record_id: r.probability for (_o, record_id), r in newest.items()}


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open assignment the plan would move: its logged decision, the record as read, the plan's view."""

    row: StoredDecision
    person: Person
    assignment: Assignment


def _worked(ctx: InstallationContext, due: list[Candidate]) -> dict[str, datetime]:
    """Record ids a person worked after leadq assigned them (batched history reads), each with the
    time of the first such change (the first touch: ``first_touch.touched_after``)."""
    touched = touched_after(ctx, [c.row for c in due])
    return {c.row.record_id: touched[c.row.id] for c in due if c.row.id in touched}


def _due(row: StoredDecision, config: RoutingConfig, now: datetime) -> bool:
    rep = config.rep(row.owner_id or "")
    if rep is not None and not rep.active:
        return True
    due = aware(row.sla_due)
    return due is not None and now >= due


@dataclass(frozen=True, slots=True)
class Moved:
    """A lead given to a new rep, written with this decision."""

    row: StoredDecision
    person: Person
    decision: Decision


@dataclass
class TypePass:
    """One object type's open assignments in this pass: what was read, and where each row ends."""

    object_type: str
    group: list[StoredDecision]
    read: dict[str, tuple[Person, Account | None]]
    tiers: dict[str, tuple[str, str]]
    config: RoutingConfig  # with the CRM's owners, read once at the start of the pass
    probabilities: dict[str, float | None] = field(default_factory=dict)  # of the newest scores
    statuses: dict[int, DecisionStatus] = field(default_factory=dict)
    touched: dict[int, datetime] = field(default_factory=dict)  # row id -> a person's first change


def reroute_pass(ctx: InstallationContext) -> RerouteReport:
    """One pass over the installation's open assignments (see the module docstring)."""
    report = RerouteReport()
    now = ctx.now()
    config = ctx.load_routing()  # the CRM's owner list
    # Only assignments that may have to move cost a CRM read: past their SLA, or their rep inactive.
    # The others are looked at once their deadline passes (a person's reassignment is found then).
    rows = [r for r in _open_rows(ctx) if _due(r, config, now)]
    report.checked = len(rows)
    by_type: dict[str, list[StoredDecision]] = {}
    for row in rows:
        by_type.setdefault(row.object_type, []).append(row)
    for object_type, group in by_type.items():
        ids = [r.record_id for r in group]
        read = {
            p.ref.record_id: (p, a) for p, a in ctx.adapter.read_with_accounts(ObjectType(object_type), ids)
        }
        tiers, probabilities = _tiers(ctx, object_type, ids)
        step = TypePass(object_type, group, read, tiers, config, probabilities)
        candidates = _sort(ctx, step, now, report)
        moved, updates = _decide(ctx, step, candidates, now, report)
        write = ctx.adapter.write(updates) if updates else None
        _record(ctx, step, moved, write, now, report)
    log.info(
        "reroute.done",
        extra={
            "installation": ctx.installation_id,
            "checked": report.checked,
            "rerouted": report.rerouted,
            "overridden": report.overridden,
            "worked": report.worked,
        },
    )
    return report


def _sort(ctx: InstallationContext, step: TypePass, now: datetime, report: RerouteReport) -> list[Candidate]:
    """Close the gone and the overridden, keep what the plan keeps; the rest may move."""
    config = step.config
    candidates: list[Candidate] = []
    for row in step.group:
        pair = step.read.get(row.record_id)
        if pair is None:
            step.statuses[row.id] = DecisionStatus.GONE
            report.gone += 1
            continue
        person = pair[0]
        tier = step.tiers.get(row.record_id, ("", ""))[0]
        assignment = Assignment(
            row.record_id, row.owner_id or "", tier, aware(row.decided_at), aware(row.sla_due)
        )
        action = plan(assignment, person.owner_id, config, now, frozenset(config.sla_minutes))
        if action.action == "overridden":
            step.statuses[row.id] = DecisionStatus.OVERRIDDEN
            report.overridden += 1
            log.info("reroute.overridden", extra={"record": row.record_id, "reason": action.reason})
        elif action.action == "reroute":
            candidates.append(Candidate(row, person, assignment))
        else:
            report.kept += 1
    return candidates


def _decide(
    ctx: InstallationContext,
    step: TypePass,
    candidates: list[Candidate],
    now: datetime,
    report: RerouteReport,
) -> tuple[list[Moved], list[FieldUpdate]]:
    """Keep the worked leads; route the others again and plan the owner writes the policy allows."""
    config = step.config
    sla_tiers = frozenset(config.sla_minutes)  # every tier the configuration gives an SLA
    owner_key = ctx.adapter.owner_field
    deactivated = {
        c.row.record_id for c in candidates if (rep := config.rep(c.assignment.owner_id)) and not rep.active
    }
    worked = _worked(ctx, [c for c in candidates if c.row.record_id not in deactivated])
    with ctx.sessions() as session:
        ours = ledger.for_records(
            session, ctx.installation_id, [(step.object_type, r.record_id) for r in step.group]
        )
    updates: list[FieldUpdate] = []
    moved: list[Moved] = []
    for row, person, assignment in ((c.row, c.person, c.assignment) for c in candidates):
        if row.record_id in worked:
            step.statuses[row.id] = DecisionStatus.WORKED
            step.touched[row.id] = worked[row.record_id]
            report.worked += 1
            continue
        tier, verdict = step.tiers.get(row.record_id, (assignment.tier or "L4", Verdict.SALES_READY.value))
        features = person_features(person, step.read[row.record_id][1], ctx.icp, now)
        lead = routing_lead(person, features, Tier(tier), Verdict(verdict))
        _action, decision = reroute(
            assignment,
            person.owner_id,
            lead,
            config,
            ctx.routing_state,
            now,
            reroute_tiers=sla_tiers,
            performance=rep_record(ctx, config),  # None when the routing file has the step off
        )
        if decision is None:
            continue
        if decision.owner_id is None:  # nobody else qualifies now: stays open, the next pass retries
            report.kept += 1
            log.warning("reroute.nobody-else", extra={"record": row.record_id, "path": decision.explanation})
            continue
        allowed, _decisions = plan_writes(
            person.ref,
            {owner_key: decision.owner_id},
            {owner_key: FieldState(person.raw.get(owner_key))},
            ours.get((step.object_type, row.record_id), {}),
            policies(ctx.crm),
        )
        if not allowed:  # the write policy keeps the CRM's owner (not leadq's to change)
            report.kept += 1
            continue
        updates.extend(allowed)
        moved.append(Moved(row, person, decision))
    return moved, updates


def _record(
    ctx: InstallationContext,
    step: TypePass,
    moved: list[Moved],
    write: WriteReport | None,
    now: datetime,
    report: RerouteReport,
) -> None:
    """Record the owners written, log each new decision, close the old rows and give back the load."""
    failed: dict[str, RecordError] = {e.ref.record_id: e for e in write.failed} if write else {}
    with ctx.sessions.begin() as session:
        ledger.record_writes(
            session,
            ctx.installation_id,
            list(write.written) if write else [],
            {(m.person.ref.object_type.value, m.person.ref.record_id): m.person.version for m in moved},
        )
        for row, person, decision in ((m.row, m.person, m.decision) for m in moved):
            error = failed.get(row.record_id)
            if error is not None:
                report.failed += 1
                log.error(
                    "reroute.write-failed",
                    extra={"record": row.record_id, "reason": error.reason, "message": error.message[:200]},
                )
                continue  # still open: the next pass tries again
            routing_log.record(
                session,
                ctx.installation_id,
                step.object_type,
                row.record_id,
                decision,
                previous_owner_id=person.owner_id,
                decided_at=now,
                probability=step.probabilities.get(row.record_id),
                record_created_at=person.created_at,
            )
            step.statuses[row.id] = DecisionStatus.REROUTED
            report.rerouted += 1
            report.reasons.append(f"{row.record_id}: {decision.explanation}")
        routing_log.mark_first_touch(session, step.touched)  # an owner change (overridden) is no touch
        owner_of = {r.id: r.owner_id for r in step.group}
        for row_id, status in step.statuses.items():
            routing_log.set_status(session, row_id, status)
            owner = owner_of.get(row_id)
            if status != DecisionStatus.REROUTED and owner:
                ctx.routing_state.release(owner)  # no longer the rep's open lead
