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

from sqlalchemy import func, select

from connector.write_policy import plan_writes
from core.records import CrmKind, FieldState, FieldUpdate, ObjectType, Person, Tier, Verdict, WrittenBy
from routing.reroute import Assignment, plan
from routing.service import reroute
from routing.types import RoutingConfig
from scoring.features import person_features
from storage import ledger, routing_log
from storage.stamps import aware
from storage.tables import RoutingDecisionRow, ScoreRow
from workers.services.context import InstallationContext
from workers.services.routing_lead import routing_lead
from workers.services.writeback import policies

log = logging.getLogger(__name__)

# The fields whose change by a person means the lead was worked, per CRM and object.
WORK_FIELDS: dict[tuple[CrmKind, ObjectType], tuple[str, ...]] = {
    (CrmKind.HUBSPOT, ObjectType.CONTACT): ("hs_lead_status", "lifecyclestage"),
    (CrmKind.SALESFORCE, ObjectType.LEAD): ("Status",),
}


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


def _open_rows(ctx: InstallationContext) -> list[RoutingDecisionRow]:
    """The newest decision of each record, where it is an open assignment to a rep (not a queue)."""
    with ctx.sessions() as session:
        rows = routing_log.open_assignments(session, ctx.installation_id)
        newest = {
            (r.object_type, r.record_id): r.id
            for r in session.execute(
                select(
                    RoutingDecisionRow.object_type,
                    RoutingDecisionRow.record_id,
                    func.max(RoutingDecisionRow.id).label("id"),
                )
                .where(RoutingDecisionRow.installation_id == ctx.installation_id)
                .group_by(RoutingDecisionRow.object_type, RoutingDecisionRow.record_id)
            )
        }
        session.expunge_all()
    return [r for r in rows if r.queue is None and newest.get((r.object_type, r.record_id)) == r.id]


def _tiers(ctx: InstallationContext, object_type: str, ids: list[str]) -> dict[str, tuple[str, str]]:
    """record id -> (tier, verdict) of its newest stored score."""
    with ctx.sessions() as session:
        newest = (
            select(func.max(ScoreRow.id))
            .where(
                ScoreRow.installation_id == ctx.installation_id,
                ScoreRow.object_type == object_type,
                ScoreRow.record_id.in_(ids),
            )
            .group_by(ScoreRow.record_id)
        )
        return {
            r.record_id: (r.tier, r.verdict)
            for r in session.scalars(select(ScoreRow).where(ScoreRow.id.in_(newest)))
        }


def _stamp(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, str) and value:
        try:
            return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _worked(ctx: InstallationContext, due: list[tuple[RoutingDecisionRow, Person]]) -> set[str]:
    """Record ids a person worked after leadq assigned them (one batched history read)."""
    out: set[str] = set()
    by_keys: dict[tuple[str, ...], list[tuple[RoutingDecisionRow, Person]]] = {}
    for row, person in due:
        keys = WORK_FIELDS.get((ctx.crm, person.ref.object_type), ())
        if keys:
            by_keys.setdefault(keys, []).append((row, person))
    for keys, group in by_keys.items():
        states = ctx.adapter.field_states([p.ref for _r, p in group], list(keys))
        for row, person in group:
            for state in states.get(person.ref, {}).values():
                at = _stamp(state.written_at)
                if state.written_by == WrittenBy.USER and at is not None and at >= aware(row.decided_at):
                    out.add(person.ref.record_id)
    return out


def _due(row: RoutingDecisionRow, config: RoutingConfig, now: datetime) -> bool:
    rep = config.rep(row.owner_id or "")
    if rep is not None and not rep.active:
        return True
    due = aware(row.sla_due)
    return due is not None and now >= due


def reroute_pass(ctx: InstallationContext) -> RerouteReport:
    """One pass over the installation's open assignments (see the module docstring)."""
    report = RerouteReport()
    now = ctx.now()
    config = ctx.routing
    sla_tiers = frozenset(config.sla_minutes)  # every tier the configuration gives an SLA
    owner_key = ctx.adapter.owner_field
    # Only assignments that may have to move cost a CRM read: past their SLA, or their rep inactive.
    # The others are looked at once their deadline passes (a person's reassignment is found then).
    rows = [r for r in _open_rows(ctx) if _due(r, config, now)]
    report.checked = len(rows)
    by_type: dict[str, list[RoutingDecisionRow]] = {}
    for row in rows:
        by_type.setdefault(row.object_type, []).append(row)
    for object_type, group in by_type.items():
        ids = [r.record_id for r in group]
        read = {
            p.ref.record_id: (p, a) for p, a in ctx.adapter.read_with_accounts(ObjectType(object_type), ids)
        }
        scores = _tiers(ctx, object_type, ids)
        statuses: dict[int, str] = {}
        candidates: list[tuple[RoutingDecisionRow, Person, Assignment]] = []
        for row in group:
            pair = read.get(row.record_id)
            if pair is None:
                statuses[row.id] = "gone"
                report.gone += 1
                continue
            person = pair[0]
            tier = scores.get(row.record_id, ("", ""))[0]
            assignment = Assignment(
                row.record_id, row.owner_id or "", tier, aware(row.decided_at), aware(row.sla_due)
            )
            action = plan(assignment, person.owner_id, config, now, sla_tiers)
            if action.action == "overridden":
                statuses[row.id] = "overridden"
                report.overridden += 1
                log.info("reroute.overridden", extra={"record": row.record_id, "reason": action.reason})
            elif action.action == "reroute":
                candidates.append((row, person, assignment))
            else:
                report.kept += 1
        deactivated = {
            r.record_id for r, _p, a in candidates if (rep := config.rep(a.owner_id)) and not rep.active
        }
        worked = _worked(ctx, [(r, p) for r, p, _a in candidates if r.record_id not in deactivated])
        updates: list[FieldUpdate] = []
        decided = []
        with ctx.sessions() as session:
            ours = ledger.for_records(session, ctx.installation_id, [(object_type, i) for i in ids])
        for row, person, assignment in candidates:
            if row.record_id in worked:
                statuses[row.id] = "worked"
                report.worked += 1
                continue
            tier, verdict = scores.get(row.record_id, (assignment.tier or "L4", Verdict.SALES_READY.value))
            features = person_features(person, read[row.record_id][1], ctx.icp, now)
            lead = routing_lead(person, features, Tier(tier), Verdict(verdict))
            _action, decision = reroute(
                assignment, person.owner_id, lead, config, ctx.routing_state, now, reroute_tiers=sla_tiers
            )
            if decision is None:
                continue
            if decision.owner_id is None:  # nobody else qualifies now: stays open, the next pass retries
                report.kept += 1
                log.warning(
                    "reroute.nobody-else", extra={"record": row.record_id, "path": decision.explanation}
                )
                continue
            allowed, _decisions = plan_writes(
                person.ref,
                {owner_key: decision.owner_id},
                {owner_key: FieldState(person.raw.get(owner_key))},
                ours.get((object_type, row.record_id), {}),
                policies(ctx.crm),
            )
            if not allowed:  # the write policy keeps the CRM's owner (not leadq's to change)
                report.kept += 1
                continue
            updates.extend(allowed)
            decided.append((row, person, decision))
        report_write = ctx.adapter.write(updates) if updates else None
        failed = {e.ref.record_id: e for e in report_write.failed} if report_write else {}
        with ctx.sessions.begin() as session:
            ledger.record_writes(
                session,
                ctx.installation_id,
                list(report_write.written) if report_write else [],
                {p.ref.record_id: p.version for _r, p, _d in decided},
            )
            for row, person, decision in decided:
                error = failed.get(row.record_id)
                if error is not None:
                    report.failed += 1
                    log.error(
                        "reroute.write-failed",
                        extra={
                            "record": row.record_id,
                            "reason": error.reason,
                            "message": error.message[:200],
                        },
                    )
                    continue  # still open: the next pass tries again
                routing_log.record(
                    session,
                    ctx.installation_id,
                    object_type,
                    row.record_id,
                    decision,
                    previous_owner_id=person.owner_id,
                    decided_at=now,
                )
                statuses[row.id] = "rerouted"
                report.rerouted += 1
                report.reasons.append(f"{row.record_id}: {decision.explanation}")
            owner_of = {r.id: r.owner_id for r in group if r.owner_id}
            for row_id, status in statuses.items():
                routing_log.set_status(session, row_id, status)
                if status != "rerouted" and owner_of.get(row_id):
                    ctx.routing_state.release(owner_of[row_id])  # no longer the rep's open lead
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
