"""The routing and fairness alarms: leads parked in fallback queues, SLA breaches, leads owned by an
inactive rep, a rep's share of expected conversions away from their weight, a performance multiplier
outside its floor and cap."""

from __future__ import annotations

from collections.abc import Callable

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


def inactive_owner(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    names = {row.owner_id: row.name for row in report.routing.load}
    return [
        AlarmFinding(
            "inactive_owner",
            owner,
            f"{names.get(owner) or owner} is inactive but owns {count} open lead"
            f"{'s' if count != 1 else ''} leadq routed to them",
            None,
            f"the routing file's reps: mark {names.get(owner) or owner} inactive there (their open leads "
            "are redistributed), or reactivate the user in the CRM",
            {"open_leads": count, "name": names.get(owner, "")},
        )
        for owner, count in sorted(report.routing.inactive_owner_leads.items())
        if count >= max(1, t.inactive_owner_leads)
    ]


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
            {"pool": row.pool, "owner": row.owner_id, "drift": row.drift, "leads": row.leads},
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
