"""The model page's segment lines: what each segment had and the gate's verdict, without repeating
the rule the headline already states."""

from __future__ import annotations

from leadq.web import segment_words

SECTION = {
    "by": "company_size",
    "by_words": "company size",
    "min_outcomes": 400,
    "min_wins": 40,
    "segments": [
        {
            "words": "small companies (under 200 employees)",
            "n_train": 369,
            "won": 147,
            "n_test": 133,
            "test_won": 55,
            "kept": False,
            "calibration": {"mean_predicted": 0.39, "observed_rate": 0.41, "count": 133},
            "why": "too few outcomes for a model of its own: 369 before the held-out window (147 won); it "
            "needs 400 with 40 won and 40 lost ([segments] in the ICP), so the model of all leads scores it",
        },
        {
            "words": "enterprises (1,000+ employees)",
            "n_train": 900,
            "won": 300,
            "n_test": 300,
            "test_won": 100,
            "kept": True,
            "why": "kept: it ranks the segment's held-out leads better (AUC 0.81 against 0.74)",
        },
    ],
}


def test_a_small_segment_says_so_once_and_a_kept_one_says_why() -> None:
    """A segment scored by the model of all leads has no calibration line of its own: the page's "by
    company size" table gives it, on the champion (the segment section's would be the training-time
    model's, a different verdict on the same leads)."""
    small, big = segment_words.segment_lines(SECTION)
    assert small == (
        "Small companies (under 200 employees): 369 outcomes before the held-out window (147 won), 133 "
        "held out (55 won). Too few outcomes for a model of its own: the model of all leads scores it."
    )
    assert big.endswith("Kept: it ranks the segment's held-out leads better (AUC 0.81 against 0.74).")
    headline = segment_words.headline(SECTION)
    assert "at least 400 outcomes" in headline and "enterprises (1,000+ employees)" in headline
