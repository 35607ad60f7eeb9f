"""The fairness ledger: weighted round robin received as weighted, a planted bias caught, the
performance multipliers' floor and cap checked."""

from __future__ import annotations

import numpy as np
import pytest

from monitoring.fairness import fairness
from monitoring.report import Note
from tests.unit.monitoring.build import monitor_input, rep, routing


def _round_robin(weights: dict[str, float], n: int, probability: np.ndarray, biased_to: str | None = None):
    """Decisions of a weighted round robin by counts (routing's rule: the rep furthest below their
    weighted share goes next, ties by order); ``biased_to`` gets every lead above p 0.2 instead."""
    counts = dict.fromkeys(weights, 0)
    rows = []
    for i in range(n):
        if biased_to is not None and probability[i] > 0.2:
            owner = biased_to
        else:
            owner = min(weights, key=lambda r: ((counts[r] + 1) / weights[r], list(weights).index(r)))
        counts[owner] += 1
        rows.append(
            {
                "pool": "emea",
                "owner": owner,
                "weights": weights,
                "probability": probability[i],
                "multiplier": 1.0,
            }
        )
    return rows


def _row(ledger, owner_id: str):
    return next(row for row in ledger.rows if row.owner_id == owner_id)


def test_a_weighted_round_robin_1_2_1_is_within_tolerance() -> None:
    rng = np.random.default_rng(7)
    rows = _round_robin({"a": 1.0, "b": 2.0, "c": 1.0}, 4000, rng.uniform(0.02, 0.4, 4000))
    ledger = fairness(monitor_input(routing=routing(rows), reps=[rep("a", name="Ada")]), [])
    assert [row.owner_id for row in ledger.rows] == ["a", "b", "c"]
    for owner_id, share in (("a", 0.25), ("b", 0.5), ("c", 0.25)):
        row = _row(ledger, owner_id)
        assert row.weight_share == pytest.approx(share)
        assert row.lead_share == pytest.approx(share, abs=0.001)
        assert row.within_tolerance, row
        assert row.drift == pytest.approx(row.expected_share - row.weight_share)
    assert _row(ledger, "a").name == "Ada" and _row(ledger, "b").name == "b"
    assert sum(row.leads for row in ledger.rows) == 4000
    assert ledger.within_floor_and_cap


def test_a_planted_bias_in_expected_conversions_is_out_of_tolerance() -> None:
    rng = np.random.default_rng(8)
    rows = _round_robin({"a": 1.0, "b": 2.0, "c": 1.0}, 4000, rng.uniform(0.02, 0.4, 4000), biased_to="a")
    ledger = fairness(monitor_input(routing=routing(rows)), [])
    biased = _row(ledger, "a")
    assert biased.expected_share > biased.weight_share + 0.05
    assert not biased.within_tolerance
    assert biased.expected_conversions == pytest.approx(
        sum(r["probability"] for r in rows if r["owner"] == "a")
    )


def test_weight_share_counts_zero_where_the_rep_was_not_a_candidate() -> None:
    rows = [
        {"pool": "p", "owner": "a", "weights": {"a": 1.0, "b": 1.0}, "probability": 0.2},
        {"pool": "p", "owner": "c", "weights": {"a": 1.0, "b": 1.0, "c": 2.0}, "probability": np.nan},
        {"pool": "p", "owner": "a", "weights": {"a": 1.0, "b": 1.0}, "probability": 0.4},
        {
            "pool": None,
            "owner": "q",
            "queue": "fallback",
            "status": "parked",
        },  # no weights: not in the ledger
    ]
    ledger = fairness(monitor_input(routing=routing(rows)), [])
    a, b, c = (_row(ledger, x) for x in "abc")
    # a: (1/2 + 1/4 + 1/2) / 3; b likewise; c: (0 + 2/4 + 0) / 3
    assert a.weight_share == pytest.approx(1.25 / 3)
    assert b.weight_share == pytest.approx(1.25 / 3)
    assert c.weight_share == pytest.approx(0.5 / 3)
    assert sum(row.weight_share for row in ledger.rows) == pytest.approx(1.0)
    assert (a.leads, b.leads, c.leads) == (2, 0, 1)
    # the unknown probability counts as the pool's mean (0.3): c expects 0.3 of 0.9
    assert c.expected_share == pytest.approx(0.3 / 0.9)
    assert a.expected_share == pytest.approx(0.6 / 0.9)
    assert b.expected_share == 0.0 and b.lead_share == 0.0


def test_a_pool_without_probabilities_takes_expected_share_as_lead_share() -> None:
    rows = [{"pool": "p", "owner": o, "weights": {"a": 1.0, "b": 1.0}} for o in "aab"]
    notes: list[Note] = []
    ledger = fairness(monitor_input(routing=routing(rows)), notes)
    assert _row(ledger, "a").expected_share == pytest.approx(2 / 3)
    assert any("no probabilities" in note.text and "p" in note.text for note in notes)


def test_multipliers_outside_floor_and_cap_flip_the_ledger() -> None:
    rows = [
        {"pool": "p", "owner": "a", "weights": {"a": 0.9, "b": 1.1}, "multiplier": 0.9, "probability": 0.1},
        {"pool": "p", "owner": "a", "weights": {"a": 1.2, "b": 1.1}, "multiplier": 1.2, "probability": 0.1},
        {"pool": "p", "owner": "b", "weights": {"a": 1.0, "b": 1.1}, "multiplier": 1.1, "probability": 0.1},
    ]
    inside = fairness(monitor_input(routing=routing(rows), performance_floor=0.8, performance_cap=1.25), [])
    assert inside.within_floor_and_cap
    assert (_row(inside, "a").multiplier_min, _row(inside, "a").multiplier_max) == (0.9, 1.2)
    assert (inside.floor, inside.cap) == (0.8, 1.25)
    rows[1]["multiplier"] = 1.4
    above = fairness(monitor_input(routing=routing(rows), performance_floor=0.8, performance_cap=1.25), [])
    assert not above.within_floor_and_cap
    rows[1]["multiplier"] = 0.7
    below = fairness(monitor_input(routing=routing(rows), performance_floor=0.8, performance_cap=1.25), [])
    assert not below.within_floor_and_cap


def test_no_weighted_decisions_means_an_empty_ledger_said_in_words() -> None:
    notes: list[Note] = []
    ledger = fairness(monitor_input(), notes)
    assert list(ledger.rows) == [] and ledger.within_floor_and_cap
    assert any("no decisions in a weighted pool" in note.text for note in notes)
