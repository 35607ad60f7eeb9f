"""The monitoring report's routing sections said for people: routing health and the fairness ledger
(``monitor_sections`` holds the others and puts the four together)."""

from __future__ import annotations

from leadq.web.monitor_words import (
    NO_DATA,
    Fact,
    Section,
    Table,
    cap_text,
    count,
    day_text,
    minutes_text,
    missing,
    pct,
    points,
    rep_text,
)
from monitoring.report import (
    FairnessLedger,
    RoutingHealth,
    Times,
)


def _times(t: Times) -> str:
    if not t.n:
        return NO_DATA
    return f"half in {minutes_text(t.p50_minutes)}, 90% in {minutes_text(t.p90_minutes)}"


def _parked_meaning(r: RoutingHealth) -> str:
    """What the parked share counts: the decisions meant for a rep (nurture and disqualified queues
    are intended routes)."""
    if not r.decisions:
        return "No routing decision in the last 4 weeks."
    if not r.meant_for_reps:
        return "No routing decision in the last 4 weeks was meant for a rep."
    return (
        f"Share of the last 4 weeks' {count(r.meant_for_reps)} routing decisions meant for a rep that "
        "matched none (leads sent to a nurture or disqualified queue are not counted)."
    )


def _assign_meaning(r: RoutingHealth) -> str:
    """What created-to-assigned counts: only leads created in the CRM since leadq was installed (the
    records the backfill routed were created long before, so their wait says nothing of routing)."""
    since = (
        f"since leadq was installed ({day_text(r.installed_at.date())})"
        if r.installed_at
        else "since leadq was installed"
    )
    n = r.created_to_assigned.n
    if n:
        return (
            f"From the lead's creation in the CRM to its owner being set, for the {count(n)} leads created "
            f"in the CRM {since}; records created before, routed by the backfill, are left out."
        )
    if not r.decisions:
        return f"From the lead's creation in the CRM to its owner being set, for leads created {since}."
    return (
        f"Only leads created in the CRM {since} count, and none of the last 4 weeks' "
        f"{count(r.decisions)} routing decisions gave one an owner: the records the backfill routed were "
        "created before leadq was installed."
    )


def _routing_facts(r: RoutingHealth) -> list[Fact]:
    return [
        Fact(
            "assign-time",
            "Created to assigned",
            _times(r.created_to_assigned)
            if r.created_to_assigned.n or not r.decisions
            else "no new lead yet",
            _assign_meaning(r),
        ),
        Fact(
            "touch-time",
            "Assigned to first touch",
            _times(r.assigned_to_first_touch),
            f"From assignment to the rep's first activity ({count(r.assigned_to_first_touch.n)} leads).",
        ),
        Fact(
            "parked",
            "Parked in fallback queues",
            pct(r.parked_share, NO_DATA),
            _parked_meaning(r),
            warn=not missing(r.parked_share) and r.parked_share > 0.05,  # type: ignore[operator]
        ),
        Fact(
            "sla",
            "SLA breaches",
            count(r.sla_breaches),
            "Leads open past their SLA, or first touched after it.",
            warn=r.sla_breaches > 0,
        ),
        Fact(
            "reassigned",
            "Reassignments",
            count(r.reassignments),
            "Leads rerouted or whose owner was overridden.",
        ),
    ]


def routing(r: RoutingHealth) -> Section:
    parked = sum(r.parked_by_queue.values())
    names = {row.owner_id: rep_text(row.name, row.owner_id) for row in r.load}
    queues = Table(
        "queues",
        "Parked leads by queue",
        "Leads no rep's rule matched, waiting in a queue.",
        ("Queue", "Leads", "Share of parked"),
        [
            (q, count(n), pct(n / parked if parked else None, NO_DATA))
            for q, n in sorted(r.parked_by_queue.items(), key=lambda kv: -kv[1])
        ],
        empty="No lead parked.",
    )
    inactive = Table(
        "inactive",
        "Inactive reps still holding open leads",
        "Someone should take these over.",
        ("Rep", "Open leads"),
        [
            (names.get(owner, owner), count(n))
            for owner, n in sorted(r.inactive_owner_leads.items(), key=lambda kv: -kv[1])
        ],
        empty="No inactive rep holds an open lead.",
        warn_rows=frozenset(range(len(r.inactive_owner_leads))),
    )
    load = Table(
        "load",
        "Load per rep against capacity",
        "Open leads against the open-lead cap, and this week's assignments against the weekly cap.",
        ("Rep", "Active", "Open leads", "Open cap", "Assigned this week", "Weekly cap"),
        [
            (
                rep_text(row.name, row.owner_id),
                "yes" if row.active else "no",
                count(row.open_leads),
                cap_text(row.open_capacity),
                count(row.assigned_this_week),
                cap_text(row.weekly_capacity),
            )
            for row in r.load
        ],
        numeric_from=2,
        warn_rows=frozenset(
            i
            for i, row in enumerate(r.load)
            if not row.active or (row.open_capacity is not None and row.open_leads >= row.open_capacity)
        ),
    )
    return Section(
        "routing",
        "Routing health",
        "How fast leads reach a rep, and where they get stuck.",
        _routing_facts(r),
        [queues, inactive, load],
    )


def fairness(f: FairnessLedger) -> Section:
    outside = [row for row in f.rows if not row.within_tolerance]
    facts = [
        Fact(
            "tolerance",
            "Reps outside the tolerance",
            f"{len(outside)} of {len(f.rows)}" if f.rows else NO_DATA,
            "A rep's share of expected conversions may differ from their weight by up to "
            f"{100 * f.tolerance:.1f} pts.",
            warn=bool(outside),
        ),
        Fact(
            "floor-cap",
            "Performance multipliers within floor and cap",
            ("yes" if f.within_floor_and_cap else "no") + f" ({f.floor:.2f}x to {f.cap:.2f}x)",
            "Performance-based routing may move a rep's weight only between the configured floor and cap.",
            warn=not f.within_floor_and_cap,
        ),
    ]

    def multipliers(low: float | None, high: float | None) -> str:
        if low is None or high is None:
            return "off"
        return f"{low:.2f}x" if abs(high - low) < 0.005 else f"{low:.2f}x to {high:.2f}x"

    ledger = Table(
        "ledger",
        "What each rep received against their weight",
        "Expected conversions: the sum of the calibrated chances of the leads received. Drift: expected "
        "share minus weight share; within tolerance when it is no larger than the tolerance.",
        (
            "Pool",
            "Rep",
            "Within tolerance",
            "Multipliers",
            "Weight",
            "Lead share",
            "Expected share",
            "Drift",
            "Leads",
            "Expected conversions",
        ),
        [
            (
                row.pool,
                rep_text(row.name, row.owner_id),
                "yes" if row.within_tolerance else "no",
                multipliers(row.multiplier_min, row.multiplier_max),
                pct(row.weight_share, NO_DATA),
                pct(row.lead_share, NO_DATA),
                pct(row.expected_share, NO_DATA),
                points(row.drift),
                count(row.leads),
                f"{row.expected_conversions:,.1f}",
            )
            for row in f.rows
        ],
        empty="No lead routed through a weighted pool yet.",
        numeric_from=4,
        warn_rows=frozenset(i for i, row in enumerate(f.rows) if not row.within_tolerance),
    )
    return Section(
        "fairness",
        "Fairness ledger",
        "Per pool and rep: the share of leads and of expected conversions received, "
        "against the rep's weight.",
        facts,
        [ledger],
    )
