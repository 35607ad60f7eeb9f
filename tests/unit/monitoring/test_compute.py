"""monitor() end to end: a realistic installation, an empty one, and determinism."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from bench.monitor_compute_bench import synthetic_input
from monitoring.compute import monitor
from tests.unit.monitoring.build import NOW, monitor_input


def test_a_realistic_installation_fills_every_section() -> None:
    data = synthetic_input(20_000, seed=4)
    report = monitor(data, 42)
    assert (report.installation_id, report.records) == (42, 20_000)
    assert report.computed_at == data.now
    performance = report.performance
    assert len(performance.cohorts) >= 4
    assert performance.calibration.ece is not None and performance.calibration.ece < 0.03
    assert performance.top30_capture is not None and performance.top30_capture > 0.5
    l1 = performance.calibration.by_tier["L1"].rate
    l4 = performance.calibration.by_tier["L4"].rate
    assert l1 is not None and l4 is not None and l1 > 3 * l4
    drift = report.drift
    assert drift.reference == "training window" and drift.current == "2026-W49"
    assert drift.score_psi_week is not None and drift.score_psi_week < 0.1  # nothing planted
    assert drift.tier_inflation is False
    assert len(drift.weekly_share_l1l2) >= 12
    assert len(drift.top_moved) == 3
    assert set(drift.missing_rates) == {f.feature for f in drift.features}
    routing = report.routing
    assert routing.parked_share is not None and 0.04 < routing.parked_share < 0.12
    assert routing.inactive_owner_leads == {}  # the inactive rep is never a candidate
    assert all(row.within_tolerance for row in report.fairness.rows), report.fairness.rows
    assert report.fairness.within_floor_and_cap


def test_an_empty_installation_gives_none_and_notes_without_a_division_by_zero() -> None:
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        report = monitor(monitor_input(), 1)
    assert report.records == 0
    assert list(report.performance.cohorts) == [] and report.performance.top30_capture is None
    assert report.performance.calibration.ece is None and report.performance.calibration.brier is None
    assert report.drift.score_psi_week is None and report.drift.score_psi_training is None
    assert report.routing.parked_share is None
    assert list(report.fairness.rows) == []
    assert report.computed_at == NOW
    text = " ".join(note.text for note in report.notes)
    for words in ("no scored records", "calibration is undefined", "no routing decisions", "weighted pool"):
        assert words in text


def test_the_same_input_gives_the_same_report() -> None:
    data = synthetic_input(5_000, seed=11)
    first, second = monitor(data, 1), monitor(data, 1)
    assert dataclasses.asdict(first) == dataclasses.asdict(second)
    assert monitor(synthetic_input(5_000, seed=11), 1) == first


def test_a_shifted_newest_week_is_flagged_by_psi_and_named() -> None:
    data = synthetic_input(20_000, seed=4)
    newest = data.inputs[-1]
    shifted_rows = [{**row, "employees": row["employees"] * 8 + 500} for row in newest.rows]
    inputs = [*data.inputs[:-1], dataclasses.replace(newest, rows=shifted_rows)]
    report = monitor(dataclasses.replace(data, inputs=inputs), 1)
    top = report.drift.top_moved[0]
    assert top.feature == "employees" and top.psi > 0.25
    assert top.moved.endswith("and over 10% -> 57%")  # the top reference decile now holds 57%
    steady = monitor(data, 1).drift
    assert all(shift.psi < 0.25 for shift in steady.features), steady.features
