"""Decide and commit against a RoutingState, retrying on a concurrent change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from routing.decide import route
from routing.reroute import Assignment, RerouteAction, plan
from routing.state import RoutingState, week_key
from routing.types import AccountMatch, Decision, RoutingConfig, RoutingLead

POOL_KEYS = ("ae", "sdr", "all")


class RoutingConflict(RuntimeError):
    """The state kept changing under us; the caller retries the task later."""


def route_and_commit(
    lead: RoutingLead,
    config: RoutingConfig,
    state: RoutingState,
    now: datetime,
    accounts: Sequence[AccountMatch] = (),
    performance: Mapping[tuple[str, str], tuple[int, int]] | None = None,
    attempts: int = 50,
    exclude: frozenset[str] = frozenset(),
) -> Decision:
    """Snapshot, decide, commit; on a lost race decide again from a fresh snapshot."""
    week = week_key(now)
    reps = [r.owner_id for r in config.reps]
    # The pool route() will use: with the tier_pool step off, every lead is in the "all" pool.
    pool = config.tier_pools.get(lead.tier.value, "all") if config.steps.get("tier_pool", True) else "all"
    pools = [pool] if pool in POOL_KEYS else []
    for _ in range(attempts):
        snapshot = state.snapshot(pools, reps, week)
        if performance:
            snapshot = replace(snapshot, performance=performance)
        decision = route(lead, config, snapshot, now, accounts, exclude)
        if decision.owner_id is None and decision.pool is None and not decision.counts_toward_load:
            return decision  # nothing to commit: a queue with no owner, or the owner left as is
        if state.commit(decision, week):
            return decision
    raise RoutingConflict(f"routing state changed {attempts} times in a row for lead {lead.record_id}")


def reroute(
    assignment: Assignment,
    current_owner_id: str | None,
    lead: RoutingLead,
    config: RoutingConfig,
    state: RoutingState,
    now: datetime,
    accounts: Sequence[AccountMatch] = (),
    reroute_tiers: frozenset[str] = frozenset({"L1", "L2"}),
    performance: Mapping[tuple[str, str], tuple[int, int]] | None = None,
) -> tuple[RerouteAction, Decision | None]:
    """Apply the re-routing rules to one assignment: reassign it away from its rep, or leave it.
    ``reroute_tiers``: the tiers whose missed SLA reassigns the lead; ``performance``: each rep's
    (won, decided) per segment, as for ``route_and_commit``."""
    action = plan(assignment, current_owner_id, config, now, reroute_tiers)
    if action.action != "reroute":
        return action, None
    decision = route_and_commit(
        lead, config, state, now, accounts, performance, exclude=frozenset({assignment.owner_id})
    )
    if decision.owner_id is not None:  # nobody else qualifies: the lead stays the old rep's open lead
        state.release(assignment.owner_id)  # the old rep's open lead is no longer theirs
    return action, replace(decision, path=(action.reason, *decision.path))
