"""The model page's plain language: rates as "about N in 10", why a challenger stayed one, tiers that
barely differ pointed out, and the line of a configuration problem found in the admin's TOML."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadq.web import config_errors, model_words


@pytest.mark.parametrize(
    ("rate", "said"),
    [
        (0.708, "about 7 in 10"),
        (0.143, "about 1 in 7"),
        (0.5, "about 5 in 10"),
        (0.05, "about 1 in 20"),
        (0.02, "about 2 in 100"),
        (0.001, "fewer than 1 in 100"),
        (0.0, "none"),
        (0.97, "almost all"),
    ],
)
def test_rates_in_words(rate, said) -> None:
    assert model_words.in_ten(rate) == said


def test_a_model_id_reads_as_a_name() -> None:
    named = model_words.model_name(datetime(2026, 12, 2, 14, 27, 14), 3)
    assert named == "model 3 (trained 2 Dec 2026, 14:27)"


def test_a_rejected_challenger_names_the_promotion_rule_and_its_margin() -> None:
    metrics = {
        "compared_on_unseen": {"champion_auc": 0.7801, "challenger_auc": 0.7803},
        "promotion": "challenger AUC 0.780 does not beat champion 0.780 by 0.005: champion stays",
    }
    said = model_words.promotion_words(metrics, 0.005)
    assert "ranked leads right 78.0 times in 100 against the champion's 78.0" in said
    assert "must beat the champion by at least 0.5 in 100 to replace it, so the champion stays" in said
    assert "required margin 0.005" in said
    promoted = {"compared_on_unseen": {"champion_auc": 0.70, "challenger_auc": 0.76}}
    assert "so it replaced the champion" in model_words.promotion_words(promoted, 0.005)
    first = {
        "compared_on_unseen": {"champion_auc": None, "challenger_auc": None},
        "promotion": "no champion yet: x",
    }
    assert model_words.promotion_words(first, 0.005).startswith("The first model trained")


def test_tiers_that_barely_differ_are_pointed_out() -> None:
    tiers = {  # the review's numbers: L1 70.8% against L2 66.7%
        "L1": {"count": 48, "share": 0.24, "conversion_rate": 0.708},
        "L2": {"count": 60, "share": 0.3, "conversion_rate": 0.667},
        "L3": {"count": 50, "share": 0.25, "conversion_rate": 0.3},
        "L4": {"count": 44, "share": 0.21, "conversion_rate": 0.35},
    }
    warnings = model_words.weak_tiers(tiers)
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("L1 and L2 convert at nearly the same rate (71% against 67%)")
    assert warnings[1].startswith("L4 leads converted more often than L3 leads (35% against 30%)")
    assert model_words.tier_lines(tiers)[0] == "L1: about 7 in 10 convert (71% of 48 leads)"
    few = {"L1": {"count": 3, "conversion_rate": 0.5}, "L2": {"count": 40, "conversion_rate": 0.5}}
    assert model_words.weak_tiers(few) == [], "too few leads in L1 to judge"
    assert model_words.tier_lines(few)[0] == "L1: about 5 in 10 convert (50% of 3 leads - too few to be sure)"


def test_factors_are_named_as_people_say_them() -> None:
    lines = model_words.factor_lines(
        [
            {"feature": "function", "mean_abs_contribution": 0.481},
            {"feature": "email_kind", "mean_abs_contribution": 0.3},
            {"feature": "engagement_points", "mean_abs_contribution": 0.1},
        ]
    )
    assert lines[0] == (
        "Which department they work in",
        "strong",
        "\u201cworks in sales\u201d, \u201cworks in HR\u201d",
    )
    assert lines[1][0] == "Business or personal e-mail address" and lines[1][1] == "strong"
    assert lines[2] == ("Recent engagement (visits, clicks, forms, meetings)", "smaller", lines[2][2])
    assert "little recent engagement" in lines[2][2]


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("firmographics.employees.min", 4),
        ("firmographics.employees.ideal", 3),  # not written: the table it belongs to
        ("firmographics.countries", 2),
        ("reps[1].role", 9),
        ("reps[0]", 6),
        ("tiers", None),
    ],
)
def test_a_keys_line_is_found_in_the_text(key, line) -> None:
    text = (
        '[firmographics]\ncountries = ["US"]\n[firmographics.employees]\nmin = -5\n\n'
        '[[reps]]\nowner_id = "1"\n[[reps]]\nrole = "ceo"\n'
    )
    assert config_errors.line_of(text, key) == line


def test_a_pair_term_is_named_by_both_factors_and_said_as_a_lead_page_says_it() -> None:
    lines = model_words.factor_lines(
        [
            {"feature": "seniority", "mean_abs_contribution": 0.5},
            {"feature": "seniority & employees", "mean_abs_contribution": 0.2},
        ]
    )
    assert lines[1] == (
        "How senior the person is and company size, read together",
        "moderate",
        "\u201cVP-level buyer at a company with 250 employees\u201d",
    )


def test_no_rep_feedback_is_said_as_of_the_models_training() -> None:
    from leadq.web.reps_words import reps_lines

    (line,) = reps_lines({"by_tier": {"L1": {"disagreed": 0}}, "trained_on": {}})
    assert line.startswith("When this model was trained, no rep had changed")
    assert "edits made since count at the next training" in line
