"""A tier a person set in the CRM: leadq keeps it and writes the verdict that goes with it, so the CRM
never holds a pair the matrix forbids (L4 and Sales-ready), and the summary says who set the tier."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from core.records import Reason, Tier, Verdict
from scoring.person_tier import person_set_tier, said_in, tier_of, with_person_tier
from scoring.score import WHAT_IF, Score
from scoring.verdicts import ALLOWED, Thresholds

L1_READY = Score(
    fit=88.0,
    engagement=41.0,
    probability=0.62,
    priority=91.0,
    tier=Tier.L1,
    verdict=Verdict.SALES_READY,
    confidence="high",
    confidence_reason="",
    reasons=(
        Reason("model.seniority", 0.9, "VP-level buyer"),
        Reason("model.email", 0.3, "business e-mail address"),
        Reason("model.recency", -0.2, "no activity for 12 days"),
        Reason(WHAT_IF, 0.0, "Would be L1 · Sales-ready after a form submission today"),
    ),
    missing=(),
    model_version="m1",
    scored_at=datetime(2026, 12, 6, tzinfo=UTC),
)


def test_a_rep_moving_a_sales_ready_lead_to_l4_makes_it_nurture():
    shown = with_person_tier(L1_READY, Tier.L4, Thresholds())
    assert (shown.tier, shown.verdict) == (Tier.L4, Verdict.NURTURE)
    assert shown.verdict in ALLOWED[shown.tier]
    summary, items, what_if = shown.reasons_lines()
    assert summary.startswith("L4 · Nurture · tier set by a person (leadq scored L1), ")
    assert items == ["+ VP-level buyer", "+ business e-mail address", "- no activity for 12 days"]
    assert what_if is None, "leadq's what-if was worked out for its own tier"
    assert (shown.fit, shown.engagement, shown.probability) == (88.0, 41.0, 0.62)


def test_a_rep_raising_a_lead_gets_the_verdict_of_the_raised_tier_only_if_it_engages():
    nurture = replace(L1_READY, tier=Tier.L3, verdict=Verdict.NURTURE)
    assert with_person_tier(nurture, Tier.L1, Thresholds()).verdict == Verdict.SALES_READY
    quiet = replace(nurture, engagement=4.0)
    assert with_person_tier(quiet, Tier.L1, Thresholds()).verdict == Verdict.NURTURE


def test_a_disqualified_lead_or_one_that_needs_info_stays_so_whatever_the_tier():
    dq = replace(L1_READY, tier=Tier.L4, verdict=Verdict.DISQUALIFIED)
    assert with_person_tier(dq, Tier.L1, Thresholds()).verdict == Verdict.DISQUALIFIED
    unknown = replace(L1_READY, verdict=Verdict.NEEDS_INFO)
    assert with_person_tier(unknown, Tier.L3, Thresholds()).verdict == Verdict.NEEDS_INFO


def test_the_same_tier_changes_nothing():
    assert with_person_tier(L1_READY, Tier.L1, Thresholds()) is L1_READY


def test_a_person_set_the_tier_only_when_the_crm_holds_another_than_leadq_wrote():
    assert person_set_tier("L4", "L1") == Tier.L4
    assert person_set_tier("L1", "L1") is None
    assert person_set_tier("L4", None) is None, "leadq never wrote a tier: nothing to override"
    assert person_set_tier("", "L1") is None and person_set_tier(None, "L1") is None
    assert person_set_tier("hot", "L1") is None, "not a tier"
    assert tier_of(" L2 ") == Tier.L2


def test_the_summary_leadq_wrote_says_which_tier_a_person_set():
    summary = with_person_tier(L1_READY, Tier.L4, Thresholds()).reasons_lines()[0]
    assert said_in(summary) == Tier.L4
    assert said_in(L1_READY.reasons_lines()[0]) is None
    assert said_in("") is None and said_in("L4 · Nurture") is None
