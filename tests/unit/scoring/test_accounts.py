"""Account scores: best contact, engaged stakeholders, buying-committee coverage, surge."""

from __future__ import annotations

from datetime import timedelta

from core.records import Tier
from scoring.accounts import score_account
from scoring.features import person_features
from scoring.icp import load_icp
from scoring.score import score_features
from tests.builders import NOW, AccountBuilder, PersonBuilder

ICP = load_icp()


def _scored(*people):
    account = AccountBuilder().build()
    out = []
    for person in people:
        f = person_features(person, account, ICP, NOW)
        out.append((f, score_features(f, ICP, None, NOW)))
    return out


def _active(title: str, record_id: str):
    return (
        PersonBuilder(record_id)
        .title(title)
        .engagement(
            site_visits=8,
            page_views=30,
            form_submissions=1,
            last_visit_at=NOW - timedelta(days=1),
            last_form_at=NOW - timedelta(days=2),
        )
        .build()
    )


def test_several_engaged_buyers_lift_the_account_above_its_best_contact():
    people = _scored(_active("VP Sales", "1"), _active("Head of RevOps", "2"), _active("CMO", "3"))
    account = score_account(people, ICP)
    best = max(s.priority for _f, s in people)
    assert account.priority > best and account.engaged_stakeholders == 3 and account.surge == 3
    assert account.committee_coverage == 0.75 and account.tier in (Tier.L1, Tier.L2)
    assert any("buying committee" in r for r in account.reasons)


def test_an_account_of_only_disqualified_people_is_l4():
    people = _scored(
        PersonBuilder("1").title("student").build(), PersonBuilder("2").title("Open to work").build()
    )
    account = score_account(people, ICP)
    assert account.tier == Tier.L4 and account.best_contact_index is None


def test_an_account_follows_the_same_tier_verdict_matrix_as_a_person():
    from core.records import Verdict
    from scoring import verdicts

    quiet = _scored(PersonBuilder("1").title("VP Sales").build(), PersonBuilder("2").title("CRO").build())
    active = _scored(_active("VP Sales", "1"), _active("Head of RevOps", "2"), _active("CMO", "3"))
    for people in (quiet, active):
        account = score_account(people, ICP)
        verdicts.check(account.tier, account.verdict)  # raises on a pair the matrix forbids
        if account.verdict == Verdict.SALES_READY:
            assert account.engagement >= ICP.verdicts.sales_ready_min_engagement
            assert not any("no stakeholder engaged" in r for r in account.reasons)
    assert score_account(quiet, ICP).verdict != Verdict.SALES_READY, "nobody engaged: not sales-ready"
