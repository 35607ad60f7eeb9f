"""The family gate's rule (issue 20): the simpler logistic family stays unless another beats it by the
champion/challenger margin on the same held-out outcomes; ``leadq evaluate`` uses the better one and
says where the gate would differ; the boosted family is tried only with enough outcomes."""

from __future__ import annotations

import pytest

from scoring.family_gate import MARGIN, Candidates, choice_words, choose_family, families_section
from scoring.registry import decide_promotion


def test_the_margin_is_the_champion_challenger_gates():
    assert (
        decide_promotion(0.80, 0.80 + MARGIN).promote
        and not decide_promotion(0.80, 0.80 + MARGIN - 0.001).promote
    )


@pytest.mark.parametrize(
    ("boosted", "margin", "chosen"),
    [
        (0.8049, MARGIN, "logistic"),  # better, but short of the margin
        (0.8050, MARGIN, "boosted"),  # exactly the margin wins, as promotion does
        (0.8120, MARGIN, "boosted"),
        (0.7900, MARGIN, "logistic"),
        (0.8001, 0.0, "boosted"),  # evaluate: the better one
        (0.8000, 0.0, "logistic"),  # a tie keeps the simpler model
    ],
)
def test_logistic_stays_unless_another_family_wins_by_the_margin(boosted, margin, chosen):
    choice = choose_family({"logistic": 0.8000, "boosted": boosted}, margin)
    assert choice.family == chosen
    assert choice.aucs == {"logistic": 0.8000, "boosted": boosted}
    assert choice.reason.startswith(f"{chosen}:")
    if chosen == "logistic" and boosted > 0.8:
        assert "short of the 0.005 margin" in choice.reason
    if chosen == "boosted":
        assert f"{boosted:.4f}" in choice.reason and f"{boosted - 0.8:+.4f}" in choice.reason


def test_a_single_family_is_chosen_whatever_its_auc():
    assert choose_family({"boosted": 0.61}).family == "boosted"
    with pytest.raises(ValueError, match="no family"):
        choose_family({})


def test_boosted_needs_enough_outcomes_unless_named_alone():
    few = Candidates(["logistic", "boosted"], 400, 1000)
    assert few.tried == ["logistic"] and "400 outcomes" in few.skipped["boosted"]
    assert "it needs 1,000" in few.skipped["boosted"]
    assert few.section() == {
        "logistic": {"auc": None},
        "boosted": {"auc": None, "skipped": few.skipped["boosted"]},
    }
    assert Candidates(["logistic", "boosted"], 1000, 1000).tried == ["logistic", "boosted"]
    assert Candidates(["boosted"], 10, 1000).tried == ["boosted"]  # the only family the ICP allows


def test_evaluate_says_which_family_by_how_much_and_where_the_gate_differs():
    aucs = {"logistic": 0.9045, "boosted": 0.9076}
    better, gate = choose_family(aucs, 0.0), choose_family(aucs)
    words = choice_words(better, gate)
    assert words.startswith("boosted: held-out AUC 0.9076 against logistic's 0.9045 (+0.0031)")
    assert "leadq's gate would keep logistic" in words
    worse = {"logistic": 0.70, "boosted": 0.68}
    words = choice_words(choose_family(worse, 0.0), choose_family(worse))
    assert words == "logistic: held-out AUC 0.7000, boosted 0.6800 (-0.0200)"
    section = families_section(choose_family(worse, skipped={}))
    assert section == {"logistic": {"auc": 0.7}, "boosted": {"auc": 0.68}}
