"""Drift of the score and of the model inputs, missing-value rates and tier inflation."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from monitoring.drift import drift
from monitoring.frames import LOST, WON, InputSample
from monitoring.input_drift import feature_shift
from monitoring.report import Note
from tests.unit.monitoring.build import THIS_WEEK, leads, monitor_input, stream, week_sample

LAST_WEEK = THIS_WEEK - timedelta(weeks=1)
TRAINING_START, TRAINING_END = datetime(2026, 6, 1), datetime(2026, 9, 1)


def _scores(start: datetime, priority: np.ndarray) -> tuple[list[datetime], list[int], list[float]]:
    when = [start + timedelta(days=1, seconds=i) for i in range(priority.size)]
    tier = np.select([priority >= 85, priority >= 65, priority >= 35], [1, 2, 3], 4)
    return when, tier.tolist(), priority.tolist()


def _stream(*weeks: tuple[datetime, np.ndarray]):
    when, tier, priority = [], [], []
    for start, values in weeks:
        w, t, p = _scores(start, values)
        when += w
        tier += t
        priority += p
    return stream(when, tier, priority)


def _training(rows: list[dict[str, object]]) -> InputSample:
    return InputSample("training window", TRAINING_START, TRAINING_END, rows, len(rows))


def test_a_shifted_score_distribution_is_flagged_and_a_steady_one_is_not() -> None:
    rng = np.random.default_rng(1)
    steady = _stream(
        (TRAINING_START, rng.uniform(0, 100, 4000)),
        (LAST_WEEK, rng.uniform(0, 100, 4000)),
        (THIS_WEEK, rng.uniform(0, 100, 4000)),
    )
    training = [_training([{"x": 1}]), week_sample("2026-W49", THIS_WEEK, [{"x": 1}])]
    result = drift(monitor_input(stream=steady, inputs=training), [])
    assert result.score_psi_week is not None and result.score_psi_week < 0.05
    assert result.score_psi_training is not None and result.score_psi_training < 0.05
    shifted = _stream(
        (TRAINING_START, rng.uniform(0, 100, 4000)),
        (LAST_WEEK, rng.uniform(0, 100, 4000)),
        (THIS_WEEK, rng.uniform(40, 100, 4000)),
    )
    result = drift(monitor_input(stream=shifted, inputs=training), [])
    assert result.score_psi_week is not None and result.score_psi_week > 0.25
    assert result.score_psi_training is not None and result.score_psi_training > 0.25
    assert result.current == "2026-W49"


def test_without_a_model_the_training_comparison_is_undefined_and_said() -> None:
    notes: list[Note] = []
    result = drift(monitor_input(stream=_stream((THIS_WEEK, np.full(10, 50.0)))), notes)
    assert result.score_psi_training is None
    assert result.score_psi_week is None  # last week had no scores
    assert any("no model has been trained" in note.text for note in notes)
    assert any("2026-W48" in note.text and "no scores" in note.text for note in notes)


def _rows(n: int, empty_titles: int, vp: int, rng: np.random.Generator) -> list[dict[str, object]]:
    titles = ["vp"] * vp + ["manager"] * (n - vp)
    rows: list[dict[str, object]] = []
    for i in range(n):
        rows.append(
            {
                "job_title": None if i < empty_titles else titles[i],
                "country": ["US", "DE", "GB", "FR"][i % 4],
                "employees": float(10 + i % 50),
            }
        )
    rng.shuffle(rows)  # type: ignore[arg-type]
    return rows


def test_a_field_that_starts_arriving_empty_jumps_in_missing_rate_and_tops_the_movers() -> None:
    rng = np.random.default_rng(2)
    inputs = [
        _training(_rows(200, 4, 0, rng)),
        week_sample("2026-W48", LAST_WEEK, _rows(200, 4, 0, rng)),
        week_sample("2026-W49", THIS_WEEK, _rows(200, 122, 0, rng)),
    ]
    result = drift(monitor_input(inputs=inputs), [])
    assert (result.reference, result.current) == ("training window", "2026-W49")
    assert result.missing_rates["job_title"] == pytest.approx(0.61)
    assert result.missing_rates["country"] == 0.0
    assert [s.feature for s in result.top_moved] == ["job_title"]  # the others did not move at all
    moved = result.top_moved[0]
    assert moved.moved == "empty 2% -> 61%"
    assert (moved.missing_before, moved.missing_now) == (pytest.approx(0.02), pytest.approx(0.61))
    assert moved.psi > 0.25
    assert result.features[0].feature == "job_title"
    assert {s.feature for s in result.features} == {"job_title", "country", "employees"}
    # Week over week too: the week before was as full as the training window.
    assert moved.psi_week is not None and moved.psi_week > 0.25
    assert all(s.psi_week is not None and s.psi_week < 0.1 for s in result.features if s is not moved)


def test_week_over_week_needs_a_week_before() -> None:
    rng = np.random.default_rng(4)
    inputs = [_training(_rows(200, 4, 0, rng)), week_sample("2026-W49", THIS_WEEK, _rows(200, 122, 0, rng))]
    result = drift(monitor_input(inputs=inputs), [])
    assert result.features and all(s.psi_week is None for s in result.features)


def test_without_a_training_window_the_earliest_full_week_is_the_reference() -> None:
    rng = np.random.default_rng(3)
    inputs = [
        week_sample("2026-W47", LAST_WEEK - timedelta(weeks=1), _rows(100, 0, 31, rng)),
        week_sample("2026-W48", LAST_WEEK, _rows(100, 0, 40, rng)),
        week_sample("2026-W49", THIS_WEEK, _rows(100, 0, 48, rng)),
        # the week in progress is not a full week yet: never the current one
        week_sample("2026-W50", THIS_WEEK + timedelta(weeks=1), _rows(100, 100, 0, rng)),
    ]
    result = drift(monitor_input(inputs=inputs), [])
    assert (result.reference, result.current) == ("2026-W47", "2026-W49")
    assert result.top_moved[0].feature == "job_title"
    assert result.top_moved[0].moved == "'vp' 31% -> 48%"


def test_a_numeric_input_is_binned_at_the_reference_deciles() -> None:
    before = [float(v) for v in range(100)]
    same = feature_shift("employees", before, [float(v) for v in range(100)])
    assert same.psi == 0.0 and same.moved == "no change"
    moved = feature_shift("employees", before, [float(v) for v in range(50, 150)])
    assert moved.psi > 0.25
    assert moved.moved == "89.1 and over 10% -> 60%"
    emptied = feature_shift("employees", before, [None] * 50 + before[:50])
    assert emptied.missing_now == 0.5 and emptied.moved == "empty 0% -> 50%"


def _weekly(shares: list[float], conversion: list[float], n: int = 1000):
    """Six full weeks ending with this one: L1+L2 share and the cohort's conversion per week."""
    when, tier, priority, cohort = [], [], [], []
    for back, (share, rate) in enumerate(zip(shares, conversion, strict=True)):
        start = THIS_WEEK - timedelta(weeks=len(shares) - 1 - back)
        top = round(share * n)
        values = np.array([90.0] * top + [20.0] * (n - top))
        w, t, p = _scores(start, values)
        when, tier, priority = when + w, tier + t, priority + p
        won = round(rate * 200)
        cohort += [{"cohort": start + timedelta(days=2), "outcome": WON}] * won
        cohort += [{"cohort": start + timedelta(days=2), "outcome": LOST}] * (200 - won)
    return monitor_input(stream=stream(when, tier, priority), leads=leads(cohort))


def test_tier_inflation_is_detected_on_a_planted_rise_without_more_conversions() -> None:
    notes: list[Note] = []
    result = drift(_weekly([0.30, 0.30, 0.30, 0.35, 0.40, 0.45], [0.10] * 6), notes)
    assert result.tier_inflation is True
    assert [week for week, _, _ in result.weekly_share_l1l2] == [f"2026-W{w}" for w in range(44, 50)]
    assert result.weekly_share_l1l2[-1][1] == pytest.approx(0.45)
    assert result.weekly_share_l1l2[-1][2] == pytest.approx(0.10)
    rise = result.inflation
    assert rise is not None
    assert (rise.before_weeks, rise.now_weeks) == (("2026-W44", "2026-W47"), ("2026-W48", "2026-W49"))
    assert rise.share_before == pytest.approx(0.3125) and rise.share_now == pytest.approx(0.425)
    assert rise.conversion_before == pytest.approx(0.10) and rise.conversion_now == pytest.approx(0.10)


def test_no_tier_inflation_on_a_flat_series_or_when_conversion_rises_with_the_share() -> None:
    assert drift(_weekly([0.30] * 6, [0.10] * 6), []).tier_inflation is False
    assert drift(_weekly([0.30, 0.30, 0.30, 0.31, 0.30, 0.32], [0.10] * 6), []).tier_inflation is False
    rising_together = _weekly([0.30, 0.30, 0.30, 0.35, 0.40, 0.45], [0.10, 0.10, 0.10, 0.12, 0.13, 0.15])
    assert drift(rising_together, []).tier_inflation is False


def test_a_rise_within_four_standard_errors_is_noise_not_inflation() -> None:
    """Six points on 500 scores a week (3.5 standard errors: what an unchanged seed's Mondays give
    over a quarter, as weekly shares vary more than a coin's) is not inflation; twelve points is."""
    flat = [0.31, 0.31, 0.30, 0.31]
    assert drift(_weekly([*flat, 0.365, 0.37], [0.10] * 6, n=500), []).inflation is None
    assert drift(_weekly([*flat, 0.43, 0.43], [0.10] * 6, n=500), []).inflation is not None


def test_tier_inflation_needs_six_weeks_of_scores() -> None:
    notes: list[Note] = []
    result = drift(_weekly([0.30, 0.60], [0.10, 0.10]), notes)
    assert result.tier_inflation is False
    assert any("tier inflation is undefined" in note.text for note in notes)
