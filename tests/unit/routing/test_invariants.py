"""Routing invariants, property-based: never an unavailable, inactive or full rep; deterministic; fair."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.records import Tier, Verdict
from routing.availability import availability
from routing.config import load_routing
from routing.decide import route
from routing.service import route_and_commit
from routing.state import InMemoryRoutingState
from routing.types import RepLoad, RoutingLead, Snapshot

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def _team(reps: list[dict]) -> str:
    lines = []
    for r in reps:
        lines.append("[[reps]]")
        for key, value in r.items():
            lines.append(
                f"{key} = {value!r}".replace("'", '"').replace("True", "true").replace("False", "false")
            )
    return "\n".join(lines)


rep_strategy = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["ae", "sdr"]),
        "active": st.booleans(),
        "weight": st.sampled_from([0.5, 1.0, 2.0, 3.0]),
        "open_capacity": st.integers(0, 5),
        "timezone": st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    reps=st.lists(rep_strategy, min_size=1, max_size=6),
    hours=st.booleans(),
    loads=st.lists(st.integers(0, 6), min_size=6, max_size=6),
    minute=st.integers(0, 7 * 24 * 60 - 1),
    tier=st.sampled_from([Tier.L1, Tier.L2]),
)
def test_never_an_unavailable_inactive_or_full_rep_and_same_state_same_decision(
    reps, hours, loads, minute, tier
):
    raw = [dict(r, owner_id=str(i), name=f"rep{i}") for i, r in enumerate(reps)]
    if hours:
        for r in raw:
            r["working_hours"] = {"start": "09:00", "end": "17:00"}
    text = _team(raw).replace('"working_hours" = ', "working_hours = ")
    text = text.replace(
        'working_hours = {"start": "09:00", "end": "17:00"}',
        'working_hours = { start = "09:00", end = "17:00" }',
    )
    config = load_routing(text)
    now = MONDAY + timedelta(minutes=minute)
    snapshot = Snapshot(week="w", loads={str(i): RepLoad(open=loads[i]) for i in range(len(raw))})
    lead = RoutingLead("1", tier, Verdict.SALES_READY)
    decision = route(lead, config, snapshot, now)
    assert decision == route(lead, config, snapshot, now)
    if decision.rule == "round_robin":
        rep = config.rep(decision.owner_id)
        assert rep.active and availability(rep, now)[0]
        assert rep.open_capacity is None or loads[int(rep.owner_id)] < rep.open_capacity
        assert rep.role == config.tier_pools[tier.value] or config.tier_pools[tier.value] == "all"
    else:
        assert decision.queue is not None


def _shares(weights: list[float], leads: int = 10_000) -> dict[str, float]:
    text = "\n".join(
        f'[[reps]]\nowner_id = "{i}"\nname = "r{i}"\nweight = {w}' for i, w in enumerate(weights)
    )
    config = load_routing(text + '\n[pools]\nL1 = "all"')
    state = InMemoryRoutingState()
    got = Counter()
    for n in range(leads):
        got[
            route_and_commit(
                RoutingLead(str(n), Tier.L1, Verdict.SALES_READY), config, state, MONDAY
            ).owner_id
        ] += 1
    return {k: v / leads for k, v in got.items()}


def test_equal_weights_share_10000_leads_within_2_percent():
    shares = _shares([1.0] * 7)
    assert max(abs(s - 1 / 7) for s in shares.values()) < 0.02


def test_weighted_shares_follow_the_weights_within_2_percent():
    weights = [1.0, 2.0, 3.0, 0.5, 1.5]
    shares = _shares(weights)
    total = sum(weights)
    assert max(abs(shares[str(i)] - w / total) for i, w in enumerate(weights)) < 0.02
