"""Re-qualification triggers: a dormant lead that engages again, a new contact at an engaged company;
only when the lead crosses into L1/L2; the ICP's [requalify] settings; the trigger as the first
itemised line of the CRM's reasons field."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.records import Engagement, Reason, Tier, Verdict
from scoring.accounts import ENGAGED_AT
from scoring.icp import IcpError, Requalify, load_icp
from scoring.requalify import (
    REQUALIFIED,
    Trigger,
    carry_trigger,
    ordinal,
    trigger_for,
    with_trigger,
)
from scoring.score import Score, score_person
from tests.builders import NOW, AccountBuilder, PersonBuilder

SETTINGS = Requalify(dormant_days=90, engaged_contacts=2)
BEFORE = NOW - timedelta(days=200)  # the last engagement leadq stored with the previous score


def _score(tier: Tier = Tier.L1, engagement: float = 45.0) -> Score:
    return Score(
        fit=90.0,
        engagement=engagement,
        probability=None,
        priority=88.0,
        tier=tier,
        verdict=Verdict.SALES_READY if tier in (Tier.L1, Tier.L2) else Verdict.NURTURE,
        confidence="low",
        confidence_reason="no conversion model yet: scored by the ICP rules",
        reasons=(
            Reason("persona.seniority", 20.0, "VP-level sales buyer"),
            Reason("firmographics.industry", 12.0, "target industry (software)"),
            Reason("engagement.recency", -1.0, "no activity for 40 days"),
        ),
        missing=(),
        model_version="rules-1",
        scored_at=NOW,
    )


def _trigger(
    previous_tier: Tier | None = Tier.L3,
    previous_last: datetime | None = BEFORE,
    gap_days: float | None = 94,
    tier: Tier = Tier.L1,
    others: int = 0,
    account: str | None = "Acme",
    engagement: float = 45.0,
    settings: Requalify = SETTINGS,
) -> Trigger | None:
    latest = None if gap_days is None or previous_last is None else previous_last + timedelta(days=gap_days)
    return trigger_for(
        previous_tier=previous_tier,
        previous_last_engaged=previous_last,
        score=_score(tier, engagement),
        engagement=Engagement(form_submissions=1, last_form_at=latest),
        engaged_others=others,
        account_name=account,
        settings=settings,
        now=NOW + timedelta(days=400),
    )


# --- re-engaged ---------------------------------------------------------------------------------


@pytest.mark.parametrize("previous", [Tier.L3, Tier.L4])
@pytest.mark.parametrize("tier", [Tier.L1, Tier.L2])
def test_a_dormant_lead_that_engages_again_and_crosses_into_l1_l2_is_re_engaged(previous, tier) -> None:
    assert _trigger(previous_tier=previous, tier=tier) == Trigger("re-engaged", "re-engaged after 94 days")


def test_exactly_dormant_days_is_enough_and_one_day_less_is_not() -> None:
    assert _trigger(gap_days=90) == Trigger("re-engaged", "re-engaged after 90 days")
    assert _trigger(gap_days=89) is None
    assert _trigger(gap_days=89.99) is None, "89 days and 23 hours is not 90 days"


def test_the_dormant_days_come_from_the_settings() -> None:
    assert _trigger(gap_days=31, settings=Requalify(dormant_days=30)) == Trigger(
        "re-engaged", "re-engaged after 31 days"
    )
    assert _trigger(gap_days=94, settings=Requalify(dormant_days=120)) is None


@pytest.mark.parametrize(
    ("previous", "tier"),
    [(Tier.L1, Tier.L1), (Tier.L2, Tier.L1), (Tier.L1, Tier.L2), (Tier.L3, Tier.L3), (Tier.L1, Tier.L3)],
)
def test_no_trigger_unless_the_lead_crosses_into_l1_or_l2(previous, tier) -> None:
    assert _trigger(previous_tier=previous, tier=tier, gap_days=300) is None


def test_no_re_engaged_without_a_stored_previous_engagement_time() -> None:
    assert _trigger(previous_last=None, gap_days=None) is None
    assert _trigger(previous_last=None, gap_days=None, previous_tier=None) is None


def test_no_re_engaged_when_nothing_newer_happened() -> None:
    assert _trigger(gap_days=0) is None
    assert _trigger(gap_days=-120) is None
    assert _trigger(gap_days=None) is None, "no engagement time now"


def test_the_newest_engagement_time_counts() -> None:
    engagement = Engagement(
        last_visit_at=BEFORE + timedelta(days=30),
        last_email_open_at=BEFORE + timedelta(days=96),
        last_email_click_at=None,
        last_activity_at=BEFORE + timedelta(days=12),
    )
    trigger = trigger_for(
        previous_tier=Tier.L4,
        previous_last_engaged=BEFORE,
        score=_score(Tier.L2),
        engagement=engagement,
        engaged_others=0,
        account_name=None,
        settings=SETTINGS,
        now=NOW,
    )
    assert trigger == Trigger("re-engaged", "re-engaged after 96 days")


def test_an_engagement_time_in_the_future_does_not_make_a_lead_re_engaged() -> None:
    trigger = trigger_for(
        previous_tier=Tier.L3,
        previous_last_engaged=NOW - timedelta(days=10),
        score=_score(),
        engagement=Engagement(last_visit_at=NOW + timedelta(days=200)),
        engaged_others=0,
        account_name="Acme",
        settings=SETTINGS,
        now=NOW,
    )
    assert trigger is None


# --- engaged account ----------------------------------------------------------------------------


def test_a_new_engaged_contact_at_an_engaged_company() -> None:
    new = {"previous_tier": None, "previous_last": None, "gap_days": None}
    assert _trigger(**new, others=2) == Trigger("engaged-account", "3rd engaged contact at Acme")
    assert _trigger(**new, others=10) == Trigger("engaged-account", "11th engaged contact at Acme")
    assert _trigger(**new, others=1) is None, "one other engaged contact is below engaged_contacts = 2"
    assert _trigger(**new, others=1, settings=Requalify(engaged_contacts=1)) == Trigger(
        "engaged-account", "2nd engaged contact at Acme"
    )
    assert _trigger(**new, others=2, tier=Tier.L3) is None


def test_without_a_company_name_it_says_their_company() -> None:
    new = {"previous_tier": None, "previous_last": None, "gap_days": None, "others": 3}
    assert _trigger(**new, account=None) == Trigger("engaged-account", "4th engaged contact at their company")
    assert _trigger(**new, account="  ").text == "4th engaged contact at their company"
    assert _trigger(**new, account=" Acme \n Corp ").text == "4th engaged contact at Acme Corp"


def test_a_new_contact_not_engaged_yet_is_not_called_an_engaged_contact() -> None:
    new = {"previous_tier": None, "previous_last": None, "gap_days": None, "engagement": ENGAGED_AT - 1}
    assert _trigger(**new, others=2).text == "new contact at Acme, where 2 contacts are engaged"
    one = _trigger(**new, others=1, settings=Requalify(engaged_contacts=1))
    assert one.text == "new contact at Acme, where 1 contact is engaged"
    assert _trigger(**new | {"engagement": ENGAGED_AT}, others=2).text == "3rd engaged contact at Acme"


def test_a_contact_scored_before_is_not_a_new_contact() -> None:
    assert _trigger(previous_tier=Tier.L3, gap_days=10, others=5) is None
    assert _trigger(previous_tier=Tier.L4, previous_last=None, gap_days=None, others=5) is None


def test_re_engaged_wins_when_both_hold() -> None:
    # never scored is the only way both can hold, and then nothing was stored: a person scored before
    # (L3) with a stored time and an engaged company is re-engaged, not the nth contact
    assert _trigger(previous_tier=Tier.L3, gap_days=120, others=5) == Trigger(
        "re-engaged", "re-engaged after 120 days"
    )
    both = trigger_for(
        previous_tier=None,
        previous_last_engaged=BEFORE,
        score=_score(),
        engagement=Engagement(last_visit_at=BEFORE + timedelta(days=100)),
        engaged_others=4,
        account_name="Acme",
        settings=SETTINGS,
        now=NOW,
    )
    assert both == Trigger("re-engaged", "re-engaged after 100 days")


# --- ordinals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "0th"),
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (14, "14th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (102, "102nd"),
        (111, "111th"),
        (112, "112th"),
        (113, "113th"),
        (1001, "1001st"),
        (1011, "1011th"),
    ],
)
def test_ordinals(number: int, text: str) -> None:
    assert ordinal(number) == text


@given(st.integers(min_value=0, max_value=10**6))
def test_an_ordinal_is_the_number_and_its_english_suffix(number: int) -> None:
    text = ordinal(number)
    assert text[:-2] == str(number)
    teen = number % 100 in (11, 12, 13)
    expected = "th" if teen else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    assert text[-2:] == expected


def test_a_negative_ordinal_is_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        ordinal(-1)


# --- the reasons field --------------------------------------------------------------------------


def _real_score() -> Score:
    person = (
        PersonBuilder().engagement(site_visits=6, page_views=20, form_submissions=1, last_form_at=NOW).build()
    )
    score = score_person(person, AccountBuilder().build(), load_icp(), None, NOW)
    assert score.tier in (Tier.L1, Tier.L2)
    return score


def test_the_trigger_is_the_first_itemised_line_of_the_reasons_field() -> None:
    score = _real_score()
    flagged = with_trigger(score, Trigger("re-engaged", "re-engaged after 94 days"))
    assert flagged.reasons[0] == Reason(REQUALIFIED, 0.0, "re-engaged after 94 days")
    assert flagged.reasons[1:] == score.reasons, "the other reasons stay, in their order"
    summary, items, what_if = flagged.reasons_lines()
    before_summary, before_items, before_what_if = score.reasons_lines()
    assert summary == before_summary and what_if == before_what_if, "the summary stays the score's"
    assert items[0].endswith(" re-engaged after 94 days") and items[1:] == before_items[:5]
    text = flagged.reasons_text().splitlines()
    assert text[0] == summary and text[1].endswith("re-engaged after 94 days")
    assert (flagged.fit, flagged.tier, flagged.verdict, flagged.priority) == (
        score.fit,
        score.tier,
        score.verdict,
        score.priority,
    ), "the trigger adds nothing to the score"


def test_a_new_trigger_replaces_the_earlier_one_and_none_changes_nothing() -> None:
    score = _real_score()
    once = with_trigger(score, Trigger("re-engaged", "re-engaged after 94 days"))
    twice = with_trigger(once, Trigger("engaged-account", "3rd engaged contact at Acme"))
    assert [r.text for r in twice.reasons if r.factor == REQUALIFIED] == ["3rd engaged contact at Acme"]
    assert with_trigger(score, None) is score


def test_the_flag_is_carried_while_the_lead_stays_in_l1_l2_and_dropped_after() -> None:
    score = _real_score()
    flagged = with_trigger(score, Trigger("re-engaged", "re-engaged after 94 days"))
    carried = carry_trigger(score, flagged.reasons)
    assert carried == flagged, "a re-score the same day writes the same reasons"
    dropped = dataclasses.replace(score, tier=Tier.L3, verdict=Verdict.NURTURE)
    assert carry_trigger(dropped, flagged.reasons) is dropped
    assert carry_trigger(score, score.reasons) is score, "nothing to carry"
    fresh = with_trigger(score, Trigger("engaged-account", "3rd engaged contact at Acme"))
    assert carry_trigger(fresh, flagged.reasons) is fresh, "its own trigger wins over the carried one"


# --- the ICP's [requalify] ------------------------------------------------------------------------


def test_the_default_icp_has_the_default_settings() -> None:
    assert load_icp().requalify == Requalify() == Requalify(dormant_days=90, engaged_contacts=2)


def test_an_icp_file_overrides_one_setting_and_keeps_the_other() -> None:
    assert load_icp("[requalify]\ndormant_days = 60").requalify == Requalify(60, 2)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[requalify]\ndormant_days = 0", "requalify.dormant_days", "from 1 to 3,650, got 0"),
        ("[requalify]\ndormant_days = 90.5", "requalify.dormant_days", "whole number"),
        ('[requalify]\ndormant_days = "90"', "requalify.dormant_days", "got '90'"),
        ("[requalify]\ndormant_days = true", "requalify.dormant_days", "got True"),
        ("[requalify]\ndormant_days = 5000", "requalify.dormant_days", "got 5000"),
        ("[requalify]\nengaged_contacts = 0", "requalify.engaged_contacts", "from 1 to 1,000, got 0"),
        ("[requalify]\nengaged_contacts = -2", "requalify.engaged_contacts", "got -2"),
        ("[requalify]\nengaged_min = 10", "requalify.engaged_min", "unknown key"),
        ("requalify = 3", "requalify", "must be a table"),
    ],
)
def test_a_bad_requalify_value_is_refused_naming_its_key(text: str, key: str, words: str) -> None:
    with pytest.raises(IcpError) as caught:
        load_icp(text)
    assert caught.value.key == key
    assert words in str(caught.value), str(caught.value)


def test_both_requalify_problems_are_reported_with_the_rest() -> None:
    with pytest.raises(IcpError) as caught:
        load_icp("[tiers]\nL1 = 150\n[requalify]\ndormant_days = -1\nengaged_contacts = 1.5\n")
    keys = sorted(p.key for p in caught.value.problems)
    assert keys == ["requalify.dormant_days", "requalify.engaged_contacts", "tiers.L1"], keys


def test_the_settings_page_shows_the_shipped_defaults() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "settings.md").read_text(encoding="utf-8")
    shipped = load_icp().requalify
    assert f"| `requalify.dormant_days` | `{shipped.dormant_days}` |" in docs
    assert f"| `requalify.engaged_contacts` | `{shipped.engaged_contacts}` |" in docs
    assert f"an engagement of at least {ENGAGED_AT:.0f} of 100" in " ".join(docs.split())
