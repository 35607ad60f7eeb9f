"""Score performance by cohort month and calibration, on hand-made records."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from monitoring.frames import LOST, OPEN, WON, ScoredLeads
from monitoring.performance import calibration, cohorts, recent_calibration, top_share_capture
from monitoring.report import Note
from tests.unit.monitoring.build import leads


def test_leads_and_conversion_per_tier_count_open_records_as_not_yet_won() -> None:
    rows = (
        [{"tier": 1, "outcome": WON}] * 4
        + [{"tier": 1, "outcome": LOST}] * 3
        + [{"tier": 1, "outcome": OPEN}] * 3
        + [{"tier": 4, "outcome": WON}] * 1
        + [{"tier": 4, "outcome": OPEN}] * 9
        + [{"tier": 2, "outcome": OPEN, "cohort": "2026-10-15"}] * 2
    )
    notes: list[Note] = []
    months, _ = cohorts(leads(rows), notes)
    assert [m.month for m in months] == ["2026-10", "2026-11"]
    november = months[1]
    assert november.leads == {"L1": 10, "L2": 0, "L3": 0, "L4": 10}
    assert (november.conversion["L1"].hits, november.conversion["L1"].n) == (4, 10)
    assert november.conversion["L1"].rate == pytest.approx(0.4)
    assert november.conversion["L4"].rate == pytest.approx(0.1)
    assert november.conversion["L2"].rate is None  # no L2 records: undefined, not 0
    assert november.lift_l1_over_l4 == pytest.approx(4.0)
    assert months[0].lift_l1_over_l4 is None
    assert any("2026-10" in note.text and "lift" in note.text for note in notes)


def test_outcomes_the_model_had_seen_are_left_out_of_conversion_but_not_of_leads() -> None:
    rows = [{"tier": 1, "outcome": WON, "unseen": False}] * 5 + [{"tier": 1, "outcome": LOST}] * 5
    (month,), _ = cohorts(leads(rows), [])
    assert month.leads["L1"] == 10
    assert (month.conversion["L1"].hits, month.conversion["L1"].n) == (0, 5)


def test_top_30_percent_capture_by_probability() -> None:
    probability = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    won = [1, 0, 1, 0, 1, 0, 0, 0, 1, 0]  # the top 3 (0.9, 0.8, 0.7) hold 2 of the 4 wins
    rows = [
        {"tier": 2, "probability": p, "outcome": WON if w else LOST}
        for p, w in zip(probability, won, strict=True)
    ]
    (month,), overall = cohorts(leads(rows[::-1]), [])  # the order of the records does not matter
    assert month.top30_capture == pytest.approx(0.5)
    assert overall == pytest.approx(0.5)


def test_top_30_percent_of_rules_scored_records_ranks_by_tier_then_priority() -> None:
    # no probabilities: L1 first, then by priority; 7 records: the top ceil(2.1) = 3
    rows = [
        {"tier": 3, "priority": 99, "outcome": WON},
        {"tier": 1, "priority": 80, "outcome": WON},
        {"tier": 1, "priority": 90, "outcome": LOST},
        {"tier": 2, "priority": 70, "outcome": LOST},
        {"tier": 2, "priority": 75, "outcome": WON},
        {"tier": 4, "priority": 10, "outcome": LOST},
        {"tier": 4, "priority": 5, "outcome": WON},
    ]
    (month,), _ = cohorts(leads(rows), [])
    # top 3: L1/90 (lost), L1/80 (won), L2/75 (won): 2 of the 4 wins
    assert month.top30_capture == pytest.approx(0.5)


def test_top_share_capture_per_group_is_vectorised_over_months() -> None:
    group = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    won = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1], dtype=bool)
    probability = np.array([0.9, 0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    captured, wins = top_share_capture(group, won, probability, np.ones(14, dtype=np.int64), None)
    # group 0: top ceil(1.2) = 2 records (0.9 won, 0.3 won); group 1: top 3 (0.9, 0.8, 0.7) none won
    assert captured.tolist() == [2, 0]
    assert wins.tolist() == [2, 3]


def test_capture_without_conversions_is_undefined() -> None:
    notes: list[Note] = []
    (month,), overall = cohorts(leads([{"tier": 1, "probability": 0.5}] * 4), notes)
    assert month.top30_capture is None and overall is None
    assert any("no conversions yet" in note.text for note in notes)


def test_decile_calibration_by_hand() -> None:
    # two records per decile at 0.05, 0.15, ..., 0.95, one won and one lost: observed 0.5 everywhere
    rows = []
    for k in range(10):
        p = (2 * k + 1) / 20
        rows += [
            {"probability": p, "outcome": WON, "tier": 1},
            {"probability": p, "outcome": LOST, "tier": 4},
        ]
    # left out: open, seen by the model, scored by the rules
    rows += [
        {"probability": 0.99, "outcome": OPEN},
        {"probability": 0.99, "outcome": WON, "unseen": False},
        {"probability": np.nan, "outcome": WON},
    ]
    result = calibration(leads(rows[::-1]), [])
    assert result.n == 20
    assert [b.decile for b in result.bins] == list(range(1, 11))
    assert [b.n for b in result.bins] == [2] * 10
    assert [round(b.predicted, 6) for b in result.bins] == [round((2 * k + 1) / 20, 6) for k in range(10)]
    assert all(b.observed == 0.5 for b in result.bins)
    # |0.5 - p| over the deciles: 0.45, 0.35, 0.25, 0.15, 0.05, 0.05, ..., 0.45 -> mean 0.25
    assert result.ece == pytest.approx(0.25)
    # mean of (p^2 + (1 - p)^2) / 2 = mean(p^2) - mean(p) + 0.5 = 0.3325 - 0.5 + 0.5
    assert result.brier == pytest.approx(0.3325)
    assert result.by_tier["L1"].rate == 1.0 and result.by_tier["L4"].rate == 0.0
    assert result.by_tier["L2"].n == 0


def test_no_decided_unseen_outcome_means_no_calibration() -> None:
    notes: list[Note] = []
    result = calibration(leads([{"probability": 0.3, "outcome": OPEN}]), notes)
    assert (result.n, result.ece, result.brier, list(result.bins)) == (0, None, None, [])
    assert any("calibration is undefined" in note.text for note in notes)


def _population(p: np.ndarray, won: np.ndarray) -> ScoredLeads:
    n = p.size
    cohort = np.full(n, np.datetime64("2026-11-02T00:00:00"), dtype="datetime64[s]")
    return ScoredLeads(
        cohort=cohort,
        decisive=cohort,
        tier=np.select([p >= 0.4, p >= 0.25, p >= 0.1], [1, 2, 3], 4).astype(np.int8),
        probability=p,
        outcome=np.where(won, WON, LOST).astype(np.int8),
        outcome_at=cohort,
        unseen=np.ones(n, dtype=bool),
    )


def test_a_perfectly_calibrated_population_has_a_small_ece_and_a_skewed_one_does_not() -> None:
    rng = np.random.default_rng(5)
    p = rng.beta(1.5, 6.0, 50_000)
    calibrated = calibration(_population(p, rng.random(p.size) < p), [])
    assert calibrated.ece is not None and calibrated.ece < 0.02
    overconfident = calibration(_population(p, rng.random(p.size) < p / 2), [])
    assert overconfident.ece is not None and overconfident.ece > 0.05
    assert calibrated.by_tier["L1"].rate > calibrated.by_tier["L4"].rate


def _decided(cohort: str, n: int, probability: float, won: int, **extra: object) -> list[dict]:
    return [
        {"cohort": cohort, "probability": probability, "outcome": WON if i < won else LOST, **extra}
        for i in range(n)
    ]


def test_recent_calibration_sets_the_champions_last_six_weeks_against_its_earlier_leads() -> None:
    """Leads the champion scored in the last six weeks win 20% against 40% predicted; its earlier
    leads won 40%; another model's leads (retired) count in neither."""
    rows = (
        _decided("2026-11-20", 100, 0.4, 20, current=True)
        + _decided("2026-09-01", 200, 0.4, 80, current=True)
        + _decided("2026-11-20", 50, 0.4, 50, current=False)
    )
    trend = recent_calibration(leads(rows), datetime(2026, 12, 1, tzinfo=UTC), 6, "m-2")
    assert (trend.weeks, trend.model, trend.since) == (6, "m-2", datetime(2026, 10, 20, tzinfo=UTC))
    assert trend.recent.n == 100 and trend.recent.gap == pytest.approx(-0.2)
    assert trend.before.n == 200 and trend.before.gap == pytest.approx(0.0)
    assert trend.recent.variance == pytest.approx(0.4 * 0.6 / 100)


def test_chance_is_the_calibration_error_a_faithful_model_shows_on_so_few_outcomes() -> None:
    """Ten deciles of 10 leads at 50%: each decile's share strays by sqrt(10 * 0.25) / 10 * sqrt(2/pi)
    on average (0.126); with 1,000 leads a decile it is ten times smaller."""
    few = calibration(leads(_decided("2026-11-02", 100, 0.5, 50)), [])
    assert few.chance == pytest.approx(math.sqrt(2.5) / 10 * math.sqrt(2 / math.pi))
    many = calibration(leads(_decided("2026-11-02", 10_000, 0.5, 5_000)), [])
    assert many.chance == pytest.approx(few.chance / 10)
