"""route(): each step, its explanation, and the fallbacks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from core.records import Tier, Verdict
from routing.decide import route
from routing.reroute import Assignment, plan
from routing.types import AccountMatch, RepLoad, Snapshot
from tests.support.routing_team import NOW, lead

EMPTY = Snapshot(week="2026-W48")


def test_an_existing_account_owner_keeps_the_lead(config):
    accounts = [AccountMatch("900", "Acme", "acme.io", owner_id="103")]
    decision = route(lead(), config, EMPTY, NOW, accounts)
    assert decision.owner_id == "103" and decision.rule == "account_owner"
    assert decision.explanation == "Acme already owned by Lee (matched on e-mail domain acme.io)"


def test_matching_uses_website_and_normalised_company_name(config):
    by_site = route(
        lead(email_domain="gmail.com", website="https://www.acme.io/x"),
        config,
        EMPTY,
        NOW,
        [AccountMatch("900", "Acme", "acme.io", owner_id="103")],
    )
    assert by_site.owner_id == "103" and "website acme.io" in by_site.explanation
    by_name = route(
        lead(email_domain=None, company_name="ACME, Inc."),
        config,
        EMPTY,
        NOW,
        [AccountMatch("900", "Acme Inc", None, owner_id="103")],
    )
    assert by_name.owner_id == "103"


def test_an_inactive_account_owner_falls_through_to_the_rules(config):
    decision = route(
        lead(country="US", employees=500),
        config,
        EMPTY,
        NOW,
        [AccountMatch("900", "Acme", "acme.io", owner_id="302")],
    )
    assert decision.rule == "round_robin" and "owned by Old Rep, who is inactive" in decision.explanation


def test_disqualified_and_nurture_leads_are_not_given_to_reps(config):
    dq = route(lead(verdict=Verdict.DISQUALIFIED, tier=Tier.L4), config, EMPTY, NOW)
    assert dq.owner_id is None and dq.queue == "disqualified" and dq.rule == "disqualified"
    assert "Disqualified (no rep)" in dq.explanation, "its own queue, as the README's table says"
    l3 = route(lead(tier=Tier.L3, verdict=Verdict.NURTURE), config, EMPTY, NOW)
    assert l3.queue == "nurture" and "L3 lead goes to nurture" in l3.explanation


def test_the_path_explains_off_hours_capacity_and_the_round_robin_pick(config):
    snapshot = Snapshot(week="2026-W48", loads={"102": RepLoad(open=20)})
    decision = route(lead(), config, snapshot, NOW)
    assert decision.explanation == (
        "AE pool for DE / healthcare / mid: 4 eligible; Lee off hours at 22:10 Europe/Berlin; "
        "Sam at capacity 20/20 open; "
        "Kim chosen by weighted round robin (0 assigned in this pool, weight 2.00)"
    )
    assert decision.owner_id == "104" and decision.caps == (None, None)
    assert decision.sla_due == NOW + timedelta(minutes=60)


def test_territory_and_segment_limit_who_is_eligible(config):
    small_us = route(lead(country="US", employees=50), config, EMPTY, NOW)
    assert small_us.rule == "queue" and small_us.queue == "na"
    big_us = route(lead(country="US", employees=5000), config, EMPTY, NOW)
    assert big_us.owner_id == "201"


def test_nobody_available_parks_the_lead_in_the_teams_queue_with_an_sla(config):
    snapshot = Snapshot(week="2026-W48", loads={"101": RepLoad(open=20), "102": RepLoad(open=20)})
    at_christmas = NOW.replace(month=12, day=28)
    decision = route(lead(), config, snapshot, at_christmas)
    assert decision.queue == "emea" and decision.owner_id == "q-emea" and decision.rule == "queue"
    assert "Kim on PTO until 2026-12-31" in decision.explanation
    assert decision.explanation.endswith("nobody qualifies: SLA timer started; parked in queue 'EMEA queue'")
    assert decision.sla_due == at_christmas + timedelta(minutes=60)


def test_weekly_capacity_and_sdr_pool(config):
    full = Snapshot(week="2026-W48", loads={"301": RepLoad(week=3)})
    decision = route(lead(tier=Tier.L2, verdict=Verdict.SALES_READY, country="US"), config, full, NOW)
    assert "Sid at weekly capacity 3/3" in decision.explanation and decision.queue == "na"


def test_a_nurture_lead_is_never_given_to_a_rep_whatever_its_tiers_pool(config):
    """The verdict/tier matrix: L1 and L2 pools are for sales-ready leads only."""
    for tier in (Tier.L1, Tier.L2):
        decision = route(lead(tier=tier, verdict=Verdict.NURTURE, country="US"), config, EMPTY, NOW)
        assert decision.owner_id is None and decision.queue == "nurture" and decision.rule == "nurture"
        why = f"{tier.value} lead is not sales-ready: it goes to nurture, not to a rep"
        assert why in decision.explanation


def test_performance_raises_the_share_of_reps_who_win_this_segment(config):
    perf = {
        ("101", "mid"): (18, 20),
        ("104", "mid"): (2, 20),
        ("102", "mid"): (5, 20),
        ("103", "mid"): (5, 20),
    }
    counts = {"ae": {"101": 10, "104": 10, "102": 10, "103": 10}}
    afternoon = NOW.replace(hour=12)
    with_perf = route(lead(), config, Snapshot(week="w", pool_counts=counts, performance=perf), afternoon)
    without = route(lead(), config, Snapshot(week="w", pool_counts=counts), afternoon)
    assert with_perf.owner_id == "101" and without.owner_id == "104"  # Kim's weight 2 wins without evidence


def test_every_step_can_be_switched_off(config):
    off = replace(config, steps=dict.fromkeys(config.steps, False))
    decision = route(
        lead(verdict=Verdict.DISQUALIFIED),
        off,
        EMPTY,
        NOW,
        [AccountMatch("900", "Acme", "acme.io", owner_id="103")],
    )
    assert decision.rule == "round_robin" and decision.owner_id == "101"
    assert "round robin is off" in decision.explanation


def test_the_same_state_gives_the_same_decision(config):
    snapshot = Snapshot(week="w", pool_counts={"ae": {"101": 3, "104": 2}})
    assert route(lead(), config, snapshot, NOW) == route(lead(), config, snapshot, NOW)


def test_rerouting_rules(config):
    assigned = Assignment("1", "101", "L1", NOW, NOW + timedelta(minutes=60))
    assert plan(assigned, "101", config, NOW).action == "keep"
    late = plan(assigned, "101", config, NOW + timedelta(minutes=61))
    assert late.action == "reroute" and "60-minute SLA" in late.reason
    assert plan(replace(assigned, worked=True), "101", config, NOW + timedelta(hours=5)).action == "keep"
    manual = plan(assigned, "555", config, NOW + timedelta(hours=5))
    assert manual.action == "overridden" and "left as a person set it" in manual.reason
    gone = plan(Assignment("2", "302", "L2", NOW, None), "302", config, NOW)
    assert gone.action == "reroute" and "deactivated" in gone.reason


def test_a_rerouted_lead_never_goes_back_to_the_same_rep(config):
    afternoon = NOW.replace(hour=12)
    decision = route(lead(), config, EMPTY, afternoon, exclude=frozenset({"101", "104"}))
    assert decision.owner_id not in ("101", "104") and "Dana excluded" in decision.explanation


def test_reroute_moves_an_overdue_lead_and_frees_the_old_reps_load(config):
    from routing.service import reroute, route_and_commit
    from routing.state import InMemoryRoutingState

    state = InMemoryRoutingState()
    noon = NOW.replace(hour=12)
    first = route_and_commit(lead(), config, state, noon)
    assignment = Assignment("1", first.owner_id, "L1", noon, first.sla_due)
    action, moved = reroute(assignment, first.owner_id, lead(), config, state, noon + timedelta(hours=2))
    assert action.action == "reroute" and moved.owner_id != first.owner_id
    assert moved.path[0].startswith(f"not worked by {config.rep(first.owner_id).name}")
    assert state.open[first.owner_id] == 0 and state.open[moved.owner_id] == 1
    kept, none = reroute(assignment, "999", lead(), config, state, noon + timedelta(hours=2))
    assert kept.action == "overridden" and none is None


def test_with_the_tier_pool_step_off_leads_keep_being_assigned_from_the_all_pool(config):
    """route() uses the "all" pool then; the commit must compare against that pool's version."""
    from routing.service import route_and_commit
    from routing.state import InMemoryRoutingState

    steps = {**config.steps, "tier_pool": False, "territory": False, "availability": False}
    off = replace(config, steps=steps)
    state = InMemoryRoutingState()
    owners = [
        route_and_commit(lead(str(i), tier=Tier.L3, verdict=Verdict.NURTURE), off, state, NOW).owner_id
        for i in range(6)
    ]
    assert all(owners) and len(set(owners)) > 1, owners
