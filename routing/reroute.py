"""When an assignment should change: SLA missed, rep deactivated; and when it must never change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.types import RoutingConfig


@dataclass(frozen=True)
class Assignment:
    record_id: str
    owner_id: str  # whom leadq assigned
    tier: str
    assigned_at: datetime
    sla_due: datetime | None
    worked: bool = False  # the rep touched the lead (status changed, activity logged)


@dataclass(frozen=True)
class RerouteAction:
    action: str  # keep | reroute | overridden
    reason: str


def plan(
    assignment: Assignment,
    current_owner_id: str | None,
    config: RoutingConfig,
    now: datetime,
    reroute_tiers: frozenset[str] = frozenset({"L1", "L2"}),
) -> RerouteAction:
    """What to do with one of leadq's assignments now."""
    if current_owner_id != assignment.owner_id:
        # Someone changed the owner in the CRM: a person's decision is never undone.
        who = current_owner_id or "nobody"
        return RerouteAction("overridden", f"reassigned in the CRM to {who}: left as a person set it")
    rep = config.rep(assignment.owner_id)
    if rep is not None and not rep.active:
        return RerouteAction("reroute", f"{rep.name} was deactivated: open lead redistributed")
    if (
        not assignment.worked
        and assignment.sla_due is not None
        and now >= assignment.sla_due
        and assignment.tier in reroute_tiers
    ):
        minutes = config.sla_minutes.get(assignment.tier)
        name = rep.name if rep else assignment.owner_id
        return RerouteAction("reroute", f"not worked by {name} within the {minutes}-minute SLA: reassigned")
    return RerouteAction("keep", "")
