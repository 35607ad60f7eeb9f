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
    assert "monitoring.ece: must be above 0 and at most 1" in messages
    assert "monitoring.min_outcomes: must be a whole number, 0 or more" in messages
    assert "monitoring.speed: unknown key" in messages
    assert any(m.startswith("monitoring.off: 'nope': not an alarm kind") for m in messages)
    assert any(m.startswith("monitoring.webhook: the webhook URL is a secret") for m in messages)
    with pytest.raises(MonitoringConfigError) as raised:
        check({"score_psi": "high", "speed": 3})
    assert len(raised.value.problems) == 2
