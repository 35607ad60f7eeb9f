"""Each alarm kind fires on a report with its planted change, names the cause, and stays quiet on a
healthy report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from monitoring.alarms import evaluate
from monitoring.report import Calibration
from monitoring.thresholds import DEFAULTS, Thresholds
from tests.support.monitor_report import (
    alarm_cohort,
    emptied_field,
    feature,
    healthy,
    with_drift,
    with_routing,
)


def kinds(report, thresholds: Thresholds = DEFAULTS) -> dict[tuple[str, str], object]:
    return {(f.kind, f.subject): f for f in evaluate(report, thresholds)}


def test_a_healthy_report_raises_nothing():
    assert evaluate(healthy(), DEFAULTS) == []


def test_a_field_arriving_empty_names_the_field_the_numbers_and_the_mapping_to_check():
    found = kinds(emptied_field(healthy()))
    alarm = found[("missing_rate", "jobtitle")]
    assert "'jobtitle' arrives empty: 3% -> 64%" in alarm.cause
    assert "field mapping that fills jobtitle" in alarm.check_hint
    assert alarm.since == datetime(2026, 11, 23, tzinfo=UTC)  # Monday of 2026-W48
    assert ("input_drift", "jobtitle") not in found  # the emptied field has its own alarm, not two
    assert alarm.drift


def test_a_rise_below_twenty_points_is_not_an_alarm():
    report = with_drift(healthy(), features=[feature("jobtitle", 0.1, 0.03, 0.20)])
    assert evaluate(report, DEFAULTS) == []


def test_score_drift_fires_above_the_psi_threshold_against_last_week_or_training():
    found = kinds(with_drift(healthy(), score_psi_week=0.31))
    assert "PSI 0.31 against last week" in found[("score_drift", "")].cause
    found = kinds(with_drift(healthy(), score_psi_training=0.40))
    assert "PSI 0.40 against the training window" in found[("score_drift", "")].cause
    assert kinds(with_drift(healthy(), score_psi_week=0.25)) == {}


def test_input_drift_names_the_feature_and_what_moved():
    report = with_drift(healthy(), features=[feature("industry", 0.6, moved="more 'retail' (10% -> 45%)")])
    alarm = kinds(report)[("input_drift", "industry")]
    assert "more 'retail' (10% -> 45%)" in alarm.cause and "PSI 0.60" in alarm.cause


def test_drift_needs_enough_records():
    report = replace(with_drift(healthy(), score_psi_week=0.9), records=100)
    assert evaluate(report, DEFAULTS) == []


def test_tier_inflation_says_since_which_week():
    weeks = [
        ("2026-W45", 0.30, 0.12),
        ("2026-W46", 0.30, 0.12),
        ("2026-W47", 0.38, 0.11),
        ("2026-W48", 0.47, 0.10),
    ]
    report = with_drift(healthy(), weekly_share_l1l2=weeks, tier_inflation=True)
    alarm = kinds(report)[("tier_inflation", "")]
    assert "from 30% (2026-W46) to 47%" in alarm.cause
    assert alarm.since == datetime(2026, 11, 9, tzinfo=UTC)
    assert kinds(report, Thresholds(tier_inflation=False)) == {}


def test_calibration_fires_only_with_enough_decided_outcomes():
    cal = healthy().performance.calibration
    off = replace(healthy(), performance=replace(healthy().performance, calibration=replace(cal, ece=0.14)))
    assert "expected calibration error 0.14 on 400" in kinds(off)[("calibration", "")].cause
    few: Calibration = replace(cal, ece=0.3, n=50)
    assert evaluate(replace(off, performance=replace(off.performance, calibration=few)), DEFAULTS) == []


def test_lift_below_two_fires_with_the_month_it_began():
    flat = [
        alarm_cohort("2026-08"),
        alarm_cohort("2026-09", l1=(12, 100), l4=(8, 100)),
        alarm_cohort("2026-10", l1=(12, 100), l4=(8, 100)),
        alarm_cohort("2026-11", l1=(12, 100), l4=(8, 100)),
    ]
    report = replace(healthy(), performance=replace(healthy().performance, cohorts=flat))
    alarm = kinds(report)[("lift", "")]
    assert "L1 converts only 1.5x as often as L4" in alarm.cause
    assert alarm.since == datetime(2026, 9, 1, tzinfo=UTC)


def test_top30_capture_below_the_bar_fires_unless_too_few_outcomes():
    report = replace(healthy(), performance=replace(healthy().performance, top30_capture=0.45))
    assert "only 45% of 225 conversions" in kinds(report)[("top30_capture", "")].cause
    near = replace(healthy(), performance=replace(healthy().performance, top30_capture=0.57))
    assert evaluate(near, DEFAULTS) == []  # within twice the standard error of the bar: noise
    assert evaluate(report, Thresholds(min_outcomes=1000)) == []


def test_a_pool_that_parks_leads_fires_and_names_the_queue():
    report = with_routing(healthy(), parked_share=0.22, parked_by_queue={"emea-fallback": 66})
    alarm = kinds(report)[("parked_share", "")]
    assert (
        "22% of the last 4 weeks' 300 routing decisions" in alarm.cause
        and "emea-fallback (66)" in alarm.cause
    )
    assert evaluate(with_routing(report, decisions=20), DEFAULTS) == []


def test_sla_breaches_above_the_count_and_the_share_of_decisions():
    found = kinds(with_routing(healthy(), sla_breaches=90))[("sla_breaches", "")]
    assert "90 leads missed their SLA in the last 4 weeks (30% of 300 routing decisions" in found.cause
    assert evaluate(with_routing(healthy(), sla_breaches=45), DEFAULTS) == []  # 15%: under the share
    assert evaluate(with_routing(healthy(), sla_breaches=9, decisions=20), DEFAULTS) == []  # 9: too few


def test_an_inactive_rep_with_open_leads_fires_per_rep():
    alarm = kinds(with_routing(healthy(), inactive_owner_leads={"102": 7}))[("inactive_owner", "102")]
    assert alarm.cause == "Bo is inactive but owns 7 open leads leadq routed to them"


def test_fairness_drift_and_multipliers_outside_floor_and_cap():
    ledger = healthy().fairness
    rows = [
        replace(ledger.rows[0], expected_share=0.62, drift=0.12, within_tolerance=False, multiplier_max=1.4),
        ledger.rows[1],
    ]
    report = replace(healthy(), fairness=replace(ledger, rows=rows, within_floor_and_cap=False))
    found = kinds(report)
    assert (
        "Ada received 62% of pool emea's expected conversions against a weight share of 50%"
        in found[("fairness_drift", "emea/101")].cause
    )
    assert "Ada in emea (0.90-1.40)" in found[("multiplier_bounds", "")].cause
    assert evaluate(report, Thresholds(fairness=False)) == []


@pytest.mark.parametrize("kind", ["sla_breaches"])
def test_a_kind_switched_off_stays_quiet(kind):
    assert evaluate(with_routing(healthy(), sla_breaches=99), Thresholds(off=frozenset({kind}))) == []


def test_a_crm_field_arriving_empty_is_named_as_a_field() -> None:
    from tests.support.monitor_report import emptied_field, healthy

    report = healthy()
    named = [
        replace(f, feature="field: job title") if f.feature == "jobtitle" else f
        for f in report.drift.features
    ]
    report = replace(report, drift=replace(report.drift, features=named))
    found_all = evaluate(emptied_field(report, "field: job title"), Thresholds())
    [found] = [f for f in found_all if f.kind == "missing_rate"]
    assert found.subject == "field: job title"
    assert found.cause.startswith("the job title field arrives empty: ")
    assert found.check_hint == "the form or CRM field mapping that fills job title"
