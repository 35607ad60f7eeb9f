"""The [monitoring] table: defaults, overrides, and every problem named by its key."""

from __future__ import annotations

import pytest

from monitoring.thresholds import DEFAULTS, MonitoringConfigError, check, parse


def test_an_empty_table_gives_the_documented_defaults():
    thresholds, problems = parse({})
    assert problems == [] and thresholds == DEFAULTS
    assert (DEFAULTS.score_psi, DEFAULTS.ece, DEFAULTS.parked_share, DEFAULTS.top30_capture) == (
        0.25,
        0.10,
        0.10,
        0.60,
    )


def test_overrides_are_read():
    thresholds = check(
        {"score_psi": 0.3, "min_outcomes": 50, "tier_inflation": False, "off": ["sla_breaches"]}
    )
    assert thresholds.score_psi == 0.3 and thresholds.min_outcomes == 50 and not thresholds.tier_inflation
    assert not thresholds.enabled("sla_breaches") and thresholds.enabled("lift")


def test_every_problem_is_named_by_its_key():
    _, problems = parse(
        {
            "score_psi": "high",
            "ece": 2,
            "min_outcomes": 1.5,
            "speed": 3,
            "off": ["nope"],
            "webhook": "https://x",
        }
    )
    messages = [str(p) for p in problems]
    assert "monitoring.score_psi: must be a number" in messages
    assert "monitoring.ece: must be above 0 and at most 1 (a share: write 0.02 for 2 points)" in messages
    assert "monitoring.min_outcomes: must be a whole number, 0 or more" in messages
    assert "monitoring.speed: unknown key" in messages
    assert any(m.startswith("monitoring.off: 'nope': not an alarm kind") for m in messages)
    assert any(m.startswith("monitoring.webhook: the webhook URL is a secret") for m in messages)
    with pytest.raises(MonitoringConfigError) as raised:
        check({"score_psi": "high", "speed": 3})
    assert len(raised.value.problems) == 2


def test_a_psi_threshold_that_would_never_fire_is_refused_with_the_usual_range() -> None:
    _, problems = parse({"score_psi": 5, "input_psi": 2})
    [problem] = [str(p) for p in problems]  # 2 is the most a PSI threshold may be
    assert problem.startswith("monitoring.score_psi: must be above 0 and at most 2 (usually 0.1 to 0.5")
    assert 'off = ["score_drift"]' in problem, "how to switch the alarm off instead"


def test_a_share_given_in_percent_says_how_to_write_it() -> None:
    _, problems = parse({"missing_rise": 20, "parked_share": 1.5})
    messages = [str(p) for p in problems]
    assert (
        "monitoring.missing_rise: must be above 0 and at most 1 (a share: write 0.20 for 20 points)"
        in messages
    )
    assert (
        "monitoring.parked_share: must be above 0 and at most 1 (a share: write 0.015 for 1.5 points)"
        in messages
    )
