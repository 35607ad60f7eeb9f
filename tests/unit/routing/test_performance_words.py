"""The decision's explanation (its path, shown on the admin's lead page and in the re-routing report)
says in words how the performance step moved the chosen rep's weight, and the decision keeps the
segment the rep's record was read on."""

from __future__ import annotations

from dataclasses import replace

from routing.decide import route
from routing.types import Snapshot
from tests.support.routing_team import NOW, lead

AFTERNOON = NOW.replace(hour=12)
PERFORMANCE = {  # on the "mid" segment: Dana (101) wins nearly all, Kim (104) nothing
    ("101", "mid"): (19, 20),
    ("104", "mid"): (0, 20),
    ("102", "mid"): (5, 20),
    ("103", "mid"): (5, 20),
}


def tight(config):
    return replace(config, performance_floor=0.8, performance_cap=1.3, performance_prior=2.0)


def test_a_raised_weight_is_explained_with_the_reps_record(config):
    counts = {"ae": {"101": 0, "102": 50, "103": 50, "104": 50}}  # Dana is furthest below her share
    snapshot = Snapshot(week="w", pool_counts=counts, performance=PERFORMANCE)
    decision = route(lead(), tight(config), snapshot, AFTERNOON)
    assert decision.owner_id == "101" and decision.multiplier == 1.3 and decision.segment == "mid"
    assert decision.path[-1] == (
        "performance: Dana's weight raised x1.30, the cap (19 of 20 decided mid leads won; "
        "the eligible reps together 36%)"
    ), decision.path
    assert "performance: Dana's weight raised x1.30" in decision.explanation


def test_a_lowered_weight_is_explained_and_an_unchanged_one_is_not_mentioned(config):
    counts = {"ae": {"101": 50, "102": 50, "103": 50, "104": 0}}  # Kim is furthest below her share
    snapshot = Snapshot(week="w", pool_counts=counts, performance=PERFORMANCE)
    lowered = route(lead(), tight(config), snapshot, AFTERNOON)
    assert lowered.owner_id == "104" and lowered.multiplier == 0.8
    assert lowered.path[-1].startswith("performance: Kim's weight lowered x0.80, the floor (0 of 20 decided")

    nothing_known = route(lead(), tight(config), replace(snapshot, performance={}), AFTERNOON)
    off = replace(tight(config), steps={**config.steps, "performance": False})
    switched_off = route(lead(), off, snapshot, AFTERNOON)
    for decision in (nothing_known, switched_off):
        assert decision.multiplier == 1.0
        assert not any(step.startswith("performance") for step in decision.path), decision.path


def test_a_lead_of_unknown_size_is_read_on_the_unsized_record(config):
    snapshot = Snapshot(
        week="w",
        pool_counts={"ae": {"101": 0, "102": 50, "103": 50, "104": 50}},
        performance={("101", ""): (9, 10), ("104", ""): (1, 10)},
    )
    decision = route(lead(employees=None), tight(config), snapshot, AFTERNOON)
    assert decision.owner_id == "101" and decision.segment == "" and decision.multiplier > 1.0
    assert "9 of 10 decided leads of unknown size won" in decision.path[-1], decision.path
