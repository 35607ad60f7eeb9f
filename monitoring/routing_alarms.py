"""The routing and fairness alarms: leads parked in fallback queues, SLA breaches, leads owned by an
inactive rep, a rep's share of expected conversions away from their weight, a performance multiplier
outside its floor and cap."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from monitoring.finding import AlarmFinding, pct
from monitoring.report import MonitorReport
from monitoring.thresholds import Thresholds


def parked_share(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    r = report.routing
    if r.parked_share is None or r.parked_share <= t.parked_share or r.decisions < t.min_decisions:
        return []
    queues = sorted(r.parked_by_queue.items(), key=lambda kv: (-kv[1], kv[0]))
    named = ", ".join(f"{queue} ({count})" for queue, count in queues)
    return [
        AlarmFinding(
            "parked_share",
            "",
            f"{pct(r.parked_share)} of the last 4 weeks' {r.decisions} routing decisions were parked in "
            f"fallback queues (alarm above {pct(t.parked_share)})" + (f": {named}" if named else ""),
            None,
            "the routing rules and pools those leads miss: a territory, segment or rep with no match, "
            "or reps at capacity",
            {"share": r.parked_share, "decisions": r.decisions, "by_queue": dict(r.parked_by_queue)},
        )
    ]


def sla_breaches(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    r = report.routing
    share = r.sla_breaches / r.decisions if r.decisions else None
    if r.sla_breaches <= t.sla_breaches or share is None or share <= t.sla_breach_share:
        return []
    return [
        AlarmFinding(
            "sla_breaches",
            "",
            f"{r.sla_breaches} leads missed their SLA in the last 4 weeks ({pct(share)} of "
            f"{r.decisions} routing decisions; open past it, or first worked after it; alarm above "
            f"{t.sla_breaches} and {pct(t.sla_breach_share)})",
            None,
            "the reps' load against capacity and the SLA re-routing rules",
            {"breaches": r.sla_breaches, "share": share},
        )
    ]


IN_FILE = "routing_file"  # the rep is marked ``active = false`` in the routing file
IN_CRM = "crm"  # the rep's user is deactivated (archived) in the CRM; the file still lists them active


def inactive_owner_hint(name: str, where: str, reroute_minutes: int) -> str:
    """What to check for a rep's open leads still assigned while the rep is inactive, for its cause
    (``IN_FILE``, ``IN_CRM`` or "" when not known). Said as ``workers.services.reroute`` does it: each
    re-routing pass (beat, every ``reroute_minutes``) hands every open lead of an inactive rep,
    whatever its tier and whether or not it was worked, to another rep who qualifies; it leaves a lead
    a person reassigned in the CRM, and keeps (and retries next pass) one no other rep qualifies for or
    whose owner the write policy does not let leadq change."""
    every = f"every {reroute_minutes} min" if reroute_minutes > 1 else "every minute"
    moves = (
        f"leadq's re-routing pass (beat, {every}) hands each of these leads, whatever its tier, to "
        "another rep who qualifies; a lead still here after a few passes is stuck: no other rep "
        f"qualifies (capacity, territory, pools), or the write policy keeps the CRM's owner. "
        f"To move one now, reassign it in the CRM (leadq leaves a person's choice alone)"
    )
    if where == IN_FILE:
        return (
            f"{name} is marked active = false in the routing file: {moves}. If {name} is back, set "
            "active = true there and the leads stay theirs"
        )
    if where == IN_CRM:
        return (
            f"{name}'s user is deactivated in the CRM while the routing file still lists them as "
            f"active: {moves}. If the deactivation was a mistake, reactivate the user in the CRM; "
            f"otherwise remove {name} from the routing file or set active = false"
        )
    return f"whether {name} is marked inactive in the routing file or deactivated in the CRM; {moves}"


def inactive_owner(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    """One alarm per inactive rep who still owns open leads leadq routed to them; the hint is refined
    with the cause by ``with_inactive_causes`` (the report does not say which it is)."""
    names = {row.owner_id: row.name for row in report.routing.load}
    return [
        AlarmFinding(
            "inactive_owner",
            owner,
            f"{names.get(owner) or owner} is inactive but owns {count} open lead"
            f"{'s' if count != 1 else ''} leadq routed to them",
            None,
            inactive_owner_hint(names.get(owner) or owner, "", REROUTE_MINUTES),
            {"open_leads": count, "name": names.get(owner, "")},
        )
        for owner, count in sorted(report.routing.inactive_owner_leads.items())
        if count >= max(1, t.inactive_owner_leads)
    ]


REROUTE_MINUTES = 5  # the re-routing pass's default interval (LEADQ_REROUTE_INTERVAL_S = 300)


def with_inactive_causes(
    findings: list[AlarmFinding], where: Mapping[str, str], reroute_minutes: int
) -> list[AlarmFinding]:
    """The findings, each inactive-rep alarm's hint said for its cause (owner id -> ``IN_FILE`` or
    ``IN_CRM``) and the actual re-routing interval."""
    out = []
    for f in findings:
        if f.kind == "inactive_owner":
            name = str(f.details.get("name") or f.subject)
            cause = where.get(f.subject, "")
            f = replace(
                f,
                check_hint=inactive_owner_hint(name, cause, reroute_minutes),
                details={**f.details, "inactive_in": cause},
            )
        out.append(f)
    return out


def fairness_drift(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    ledger = report.fairness
    if not t.fairness:
        return []
    return [
        AlarmFinding(
            "fairness_drift",
            f"{row.pool}/{row.owner_id}",
            f"{row.name} received {pct(row.expected_share)} of pool {row.pool}'s expected conversions "
            f"against a weight share of {pct(row.weight_share)} (drift {row.drift * 100:+.0f} points, "
            f"tolerance {ledger.tolerance * 100:.0f})",
            None,
            f"pool {row.pool}'s weights, capacities and performance routing in the routing file",
            {
                "pool": row.pool,
                "owner": row.owner_id,
                "name": row.name,
                "drift": row.drift,
                "leads": row.leads,
            },
        )
        for row in ledger.rows
        if not row.within_tolerance and row.leads >= t.min_ledger_leads
    ]


def multiplier_bounds(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    ledger = report.fairness
    if not t.fairness or ledger.within_floor_and_cap:
        return []
    outside = [
        row
        for row in ledger.rows
        if (row.multiplier_min is not None and row.multiplier_min < ledger.floor - 1e-9)
        or (row.multiplier_max is not None and row.multiplier_max > ledger.cap + 1e-9)
    ]
    named = ", ".join(
        f"{row.name} in {row.pool} ({row.multiplier_min:.2f}-{row.multiplier_max:.2f})"
        for row in outside
        if row.multiplier_min is not None and row.multiplier_max is not None
    )
    return [
        AlarmFinding(
            "multiplier_bounds",
            "",
            f"performance multipliers left their bounds [{ledger.floor:.2f}, {ledger.cap:.2f}]"
            + (f": {named}" if named else ""),
            None,
            "the performance routing settings (floor and cap) in the routing file, and the leadq version",
            {"floor": ledger.floor, "cap": ledger.cap, "reps": [row.owner_id for row in outside]},
        )
    ]


ROUTING_FINDERS: tuple[Callable[[MonitorReport, Thresholds], list[AlarmFinding]], ...] = (
    parked_share,
    sla_breaches,
    inactive_owner,
    fairness_drift,
    multiplier_bounds,
)
