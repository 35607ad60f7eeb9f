"""The verdict/tier matrix: enforced on every score, documented in the README, configurable."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.records import Tier, Verdict
from scoring.icp import IcpError, load_icp
from scoring.score import score_person
from scoring.verdicts import ALLOWED, Thresholds, check, decide, markdown_table
from tests.builders import NOW, AccountBuilder, PersonBuilder

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_shows_the_matrix_the_code_enforces():
    assert markdown_table(load_icp(None).verdicts) in README.read_text(encoding="utf-8")
    assert load_icp(None).verdicts == Thresholds(), "the README's figures are the default ICP's"


@given(
    st.sampled_from(list(Tier)),
    st.floats(0, 100),
    st.floats(0, 100),
    st.booleans(),
    st.booleans(),
    st.floats(0, 100),
)
def test_every_decision_is_a_pair_the_matrix_allows(tier, fit, engagement, dq, missing, threshold):
    got_tier, verdict = decide(
        tier, fit, engagement, dq, missing, Thresholds(sales_ready_min_engagement=threshold)
    )
    check(got_tier, verdict)
    assert verdict in ALLOWED[got_tier]
    if dq:
        assert (got_tier, verdict) == (Tier.L4, Verdict.DISQUALIFIED)
    if verdict == Verdict.SALES_READY:
        assert engagement >= threshold and got_tier in (Tier.L1, Tier.L2)


def test_check_refuses_a_pair_outside_the_matrix():
    with pytest.raises(ValueError, match="L3 lead cannot be 'Sales-ready'"):
        check(Tier.L3, Verdict.SALES_READY)


def test_a_top_fit_who_has_not_engaged_is_nurture_not_sales_ready():
    """With a model, the tier comes from the probability's percentile: an L1 can be quiet."""
    icp = load_icp(None)
    assert decide(Tier.L1, 96, 3, False, False, icp.verdicts) == (Tier.L1, Verdict.NURTURE)
    assert decide(Tier.L1, 96, 10, False, False, icp.verdicts) == (Tier.L1, Verdict.SALES_READY)
    assert decide(Tier.L2, 96, 29, False, False, icp.verdicts) == (Tier.L2, Verdict.NURTURE)
    assert decide(Tier.L2, 74, 90, False, False, icp.verdicts) == (Tier.L2, Verdict.NURTURE)
    assert decide(Tier.L2, 75, 30, False, False, icp.verdicts) == (Tier.L2, Verdict.SALES_READY)
    assert decide(Tier.L1, 96, 0, True, False, icp.verdicts) == (Tier.L4, Verdict.DISQUALIFIED)
    assert decide(Tier.L1, 96, 50, False, True, icp.verdicts) == (Tier.L1, Verdict.NEEDS_INFO)


def test_the_engagement_threshold_is_set_in_the_icp():
    icp = load_icp("[verdicts]\nsales_ready_min_engagement = 0")
    assert decide(Tier.L1, 96, 3, False, False, icp.verdicts) == (Tier.L1, Verdict.SALES_READY)
    too_high = r"verdicts.sales_ready_min_engagement: must be between 0 and 100, got 150"
    with pytest.raises(IcpError, match=too_high):
        load_icp("[verdicts]\nsales_ready_min_engagement = 150")


def test_a_disqualified_lead_is_l4_and_the_crm_shows_no_probability():
    score = score_person(
        PersonBuilder().with_(title="Marketing Intern").build(),
        AccountBuilder().build(),
        load_icp(None),
        None,
        NOW,
    )
    assert (score.tier, score.verdict) == (Tier.L4, Verdict.DISQUALIFIED)
    kept = score.__class__(**{**{f: getattr(score, f) for f in score.__slots__}, "probability": 0.7972})
    assert kept.probability == 0.7972 and kept.shown_probability is None
