"""What a decision records for the fairness ledger: each candidate's effective weight (configured
weight x performance multiplier) and the chosen rep's multiplier, held within the floor and cap."""

from __future__ import annotations

from dataclasses import replace

from core.records import Verdict
from routing.decide import route
from routing.types import AccountMatch, Snapshot
from tests.support.routing_team import NOW, lead

AFTERNOON = NOW.replace(hour=12)
COUNTS = {"ae": {"101": 10, "104": 10, "102": 10, "103": 10}}
# 101 wins nearly everything, 104 nearly nothing: their multipliers hit the cap and the floor.
PERFORMANCE = {
    ("101", "mid"): (19, 20),
    ("104", "mid"): (0, 20),
    ("102", "mid"): (5, 20),
    ("103", "mid"): (5, 20),
}


def test_without_performance_data_the_weights_are_the_configured_ones_and_the_multiplier_one(config):
    decision = route(lead(), config, Snapshot(week="w", pool_counts=COUNTS), AFTERNOON)
    configured = {r.owner_id: r.weight for r in config.reps}
    assert decision.rule == "round_robin" and decision.pool == "ae"
    assert decision.weights and all(w == configured[o] for o, w in decision.weights.items())
    assert decision.multiplier == 1.0
    assert decision.weights[decision.owner_id] == configured[decision.owner_id]


def test_performance_multipliers_stay_within_the_floor_and_cap(config):
    config = replace(config, performance_floor=0.8, performance_cap=1.3, performance_prior=2.0)
    snapshot = Snapshot(week="w", pool_counts=COUNTS, performance=PERFORMANCE)
    decision = route(lead(), config, snapshot, AFTERNOON)
    configured = {r.owner_id: r.weight for r in config.reps}
    multipliers = {o: w / configured[o] for o, w in decision.weights.items()}
    assert all(0.8 - 1e-9 <= m <= 1.3 + 1e-9 for m in multipliers.values()), multipliers
    assert abs(multipliers["101"] - 1.3) < 1e-9 and abs(multipliers["104"] - 0.8) < 1e-9  # clamped
    assert decision.multiplier is not None and 0.8 <= decision.multiplier <= 1.3
    assert abs(decision.multiplier - multipliers[decision.owner_id]) < 1e-9


def test_the_performance_step_off_leaves_the_multiplier_at_one(config):
    off = replace(config, steps={**config.steps, "performance": False})
    decision = route(lead(), off, Snapshot(week="w", pool_counts=COUNTS, performance=PERFORMANCE), AFTERNOON)
    assert decision.multiplier == 1.0
    assert decision.weights == {r: {x.owner_id: x.weight for x in config.reps}[r] for r in decision.weights}


def test_decisions_outside_a_weighted_pool_carry_no_weights(config):
    owned = route(
        lead(), config, Snapshot(week="w"), NOW, [AccountMatch("900", "Acme", "acme.io", owner_id="103")]
    )
    parked = route(lead(verdict=Verdict.DISQUALIFIED), config, Snapshot(week="w"), NOW)
    for decision in (owned, parked):
        assert decision.weights == {} and decision.multiplier is None
