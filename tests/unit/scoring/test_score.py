"""score_person: verdicts, disqualifiers, needs-info, determinism, exact rule reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.records import Tier, Verdict
from scoring.features import person_features
from scoring.icp import load_icp
from scoring.rules import fit_score
from scoring.score import score_person
from tests.builders import NOW, AccountBuilder, PersonBuilder

ICP = load_icp('[disqualifiers]\ncompetitor_domains = ["rival.io"]')


def test_a_vp_at_a_target_company_who_is_engaged_is_sales_ready():
    person = (
        PersonBuilder()
        .engagement(
            site_visits=6,
            page_views=20,
            form_submissions=1,
            last_visit_at=NOW - timedelta(days=1),
            last_form_at=NOW,
        )
        .build()
    )
    score = score_person(person, AccountBuilder().build(), ICP, None, NOW)
    assert score.fit > 85 and score.engagement > 30
    assert score.tier in (Tier.L1, Tier.L2) and score.verdict == Verdict.SALES_READY
    assert score.probability is None and score.confidence == "low"
    assert "no conversion model" in score.confidence_reason
    texts = [r.text for r in score.reasons]
    assert "VP-level sales buyer" in texts and "target industry (software)" in texts
    assert "200-person company, in the ideal range" in texts and "submitted 1 form" in texts


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"email": "dana@rival.io"}, "competitor"),
        ({"title": "Looking for new opportunities"}, "job_seeker"),
        ({"title": "Marketing Intern"}, "intern"),
        ({"email": "dana@stanford.edu"}, "student"),
        ({"title": "student"}, "student"),
    ],
)
def test_disqualifiers_send_the_lead_to_l4_with_the_reason_first(change, code):
    score = score_person(PersonBuilder().with_(**change).build(), AccountBuilder().build(), ICP, None, NOW)
    assert score.verdict == Verdict.DISQUALIFIED and score.tier == Tier.L4
    assert score.reasons[0].factor == f"disqualifier.{code}"


def test_a_personal_address_with_no_company_is_disqualified_but_not_with_a_known_company():
    person = PersonBuilder().email("dana1987@gmail.com").with_(company_name=None).build()
    assert score_person(person, None, ICP, None, NOW).verdict == Verdict.DISQUALIFIED
    assert score_person(person, AccountBuilder().build(), ICP, None, NOW).verdict != Verdict.DISQUALIFIED


def test_a_tiny_company_and_an_unserved_country_are_disqualifiers():
    icp = load_icp('[disqualifiers]\ncountries_not_served = ["BR"]')
    tiny = score_person(PersonBuilder().build(), AccountBuilder().with_(employees=2).build(), icp, None, NOW)
    assert any(r.factor == "disqualifier.too_small" for r in tiny.reasons)
    brazil = score_person(
        PersonBuilder().build(), AccountBuilder().with_(country="BR").build(), icp, None, NOW
    )
    assert any(r.factor == "disqualifier.country_not_served" for r in brazil.reasons)


def test_a_lead_without_the_fields_to_judge_it_needs_info_and_says_what_is_missing():
    person = PersonBuilder().with_(email=None, company_name=None, title=None, country=None).build()
    score = score_person(person, None, ICP, None, NOW)
    assert score.verdict == Verdict.NEEDS_INFO and score.confidence == "low"
    needs = next(r for r in score.reasons if r.factor == "needs_info")
    assert "e-mail or company" in needs.text and "job title" in needs.text


def test_rule_reasons_add_up_exactly_to_the_fit_score():
    for person, account in [
        (PersonBuilder().build(), AccountBuilder().build()),
        (PersonBuilder().title("Accountant").email("a@gmail.com").build(), None),
        (PersonBuilder().title("CRO").build(), AccountBuilder().with_(employees=40_000).build()),
    ]:
        features = person_features(person, account, ICP, NOW)
        fit, reasons = fit_score(features, ICP)
        assert fit == pytest.approx(max(0, min(100, 50 + sum(r.contribution for r in reasons))), abs=0.06)


def test_identical_inputs_give_identical_scores():
    person, account = PersonBuilder().build(), AccountBuilder().build()
    assert score_person(person, account, ICP, None, NOW) == score_person(person, account, ICP, None, NOW)


def test_stale_leads_say_how_long_they_have_been_quiet():
    person = PersonBuilder().engagement(site_visits=2, last_visit_at=NOW - timedelta(days=45)).build()
    score = score_person(person, AccountBuilder().build(), ICP, None, NOW)
    assert "no activity for 45 days" in [r.text for r in score.reasons]
    assert "no activity for 45 days" in score.reasons_text()


def test_regions_narrow_a_served_country():
    icp = load_icp('[firmographics]\nregions = ["CA", "NY"]')
    inside = score_person(
        PersonBuilder().build(), AccountBuilder().with_(region="NY").build(), icp, None, NOW
    )
    outside = score_person(
        PersonBuilder().build(), AccountBuilder().with_(region="TX").build(), icp, None, NOW
    )
    assert inside.fit > outside.fit
    _fit, reasons = fit_score(
        person_features(PersonBuilder().build(), AccountBuilder().with_(region="TX").build(), icp, NOW), icp
    )
    assert "based in TX, US: outside the served regions" in [r.text for r in reasons]


def test_counts_in_reasons_are_words_not_form_s():
    from scoring.wording import counted

    assert counted(1, "form") == "1 form" and counted(3, "form") == "3 forms"
    assert counted("2-4", "time") == "2-4 times" and counted(0, "tool") == "0 tools"
