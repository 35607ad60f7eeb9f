"""What /metrics shows of a monitoring report: every computed figure, and nothing for what the report
could not compute (a gauge of 0 would read as a real zero)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from monitoring.gauges import gauges
from monitoring.report import RecentCalibration
from tests.support.monitor_report import empty_report, monitor_report


def test_every_figure_of_a_monday_report_is_a_gauge() -> None:
    report = monitor_report()
    shown = {(g.name, g.labels): g.value for g in gauges(report)}
    calibration = report.performance.calibration
    assert shown[("leadq_monitor_ece", ())] == calibration.ece
    assert shown[("leadq_monitor_top30_capture", ())] == report.performance.top30_capture
    for tier, rate in calibration.by_tier.items():
        assert shown[("leadq_monitor_win_rate", (("tier", tier),))] == rate.rate
    for field, share in report.drift.missing_rates.items():
        assert shown[("leadq_monitor_missing_rate", (("field", field),))] == share
    for row in report.fairness.rows:
        assert (
            shown[("leadq_monitor_fairness_drift", (("pool", row.pool), ("rep", row.owner_id)))] == row.drift
        )
    assert all(math.isfinite(v) for v in shown.values())


def test_the_champions_recent_leads_won_minus_predicted_is_a_gauge_beside_its_earlier_ones() -> None:
    c = monitor_report().performance.calibration
    recent, before = replace(c, predicted=0.40, observed=0.22), replace(c, predicted=0.40, observed=0.39)
    trend = RecentCalibration(6, "m-7", datetime(2026, 10, 19, tzinfo=UTC), recent, before)
    report = replace(monitor_report(), performance=replace(monitor_report().performance, recent=trend))
    shown = {(g.name, g.labels): g.value for g in gauges(report)}
    assert shown[("leadq_monitor_won_minus_predicted", (("leads", "recent"),))] == pytest.approx(-0.18)
    assert shown[("leadq_monitor_won_minus_predicted", (("leads", "earlier"),))] == pytest.approx(-0.01)
    none = replace(monitor_report(), performance=replace(monitor_report().performance, recent=None))
    assert "leadq_monitor_won_minus_predicted" not in {g.name for g in gauges(none)}


def test_what_a_new_installation_cannot_compute_is_left_out() -> None:
    names = {g.name for g in gauges(empty_report())}
    assert "leadq_monitor_records" in names
    assert not names & {"leadq_monitor_ece", "leadq_monitor_brier", "leadq_monitor_top30_capture"}
    assert all(math.isfinite(g.value) for g in gauges(empty_report()))
