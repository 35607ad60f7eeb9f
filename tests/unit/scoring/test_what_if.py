"""Every "what would change the verdict" line is true: the change it names, applied to the record by
this test (its own reading of the line, not the what-if's), re-scored through the public scoring
function, gives the tier and verdict the line names.

Populations: the sandbox CRM's seed of 2,000 contacts scored by the rules and by a model trained on
its closed deals, and hand-built leads covering each verdict (needs info, every disqualifier).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import timedelta

import pytest

from core.records import VERDICT_LABELS, Account, Person, Tier, Verdict
from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.disqualify import disqualifiers
from scoring.features import person_features
from scoring.icp import Icp, load_icp
from scoring.leadmodel import LeadModel
from scoring.score import WHAT_IF, score_people, score_person
from scoring.training import train_crm_model
from scoring.what_if import what_if, with_what_ifs
from tests.builders import NOW, AccountBuilder, PersonBuilder, sandbox_examples, sandbox_people

LINE = re.compile(r"^Would be (L[1-4]) · (Sales-ready|Nurture|Disqualified|Needs info) (.+)$")
LABEL_TO_VERDICT = {label: verdict for verdict, label in VERDICT_LABELS.items()}
RANK_V = [Verdict.DISQUALIFIED, Verdict.NEEDS_INFO, Verdict.NURTURE, Verdict.SALES_READY]
RANK_T = [Tier.L4, Tier.L3, Tier.L2, Tier.L1]

Record = tuple[Person, Account | None, Icp]


def _size(record: Record, n: int) -> Record:
    person, account, icp = record
    if account is not None and account.employees is not None:
        return person, dataclasses.replace(account, employees=n), icp
    return dataclasses.replace(person, employees_text=f"{n}"), account, icp


def _engage(record: Record, **changes: object) -> Record:
    person, account, icp = record
    return (
        dataclasses.replace(person, engagement=dataclasses.replace(person.engagement, **changes)),
        account,
        icp,
    )


def _rule_off(record: Record, text: str) -> Record:
    """The ICP without the disqualifier whose text the line quotes (found among this lead's)."""
    person, account, icp = record
    f = person_features(person, account, icp, NOW)
    code = next(c for c, t in disqualifiers(f, icp) if t == text)
    if code == "competitor":
        icp = dataclasses.replace(icp, competitor_domains=frozenset())
    elif code == "country_not_served":
        icp = dataclasses.replace(icp, countries_not_served=icp.countries_not_served - {f.country})
    else:
        flag = {"job_seeker": "dq_job_seekers", "intern": "dq_interns", "student": "dq_student_email"}
        icp = dataclasses.replace(icp, **{flag.get(code, "dq_free_email"): False})
    return person, account, icp


def apply(record: Record, change: str) -> Record:
    """The change a line names, as this test reads it; an unknown phrase fails the test."""
    e = record[0].engagement
    parts = re.findall(r"(?:^| and )(without the disqualifier “[^”]+”|(?:(?! and ).)+)", change)
    assert " and ".join(parts) == change, (parts, change)
    for part in parts:
        if part == "after a form submission today":
            record = _engage(record, form_submissions=e.form_submissions + 1, last_form_at=NOW)
        elif part == "after a meeting today":
            record = _engage(record, meetings=e.meetings + 1, last_activity_at=NOW)
        elif m := re.fullmatch(r"with a business e-mail address at (\S+)", part):
            record = (dataclasses.replace(record[0], email=f"jane.doe@{m[1]}"), record[1], record[2])
        elif m := re.fullmatch(
            r"with a company (?:size of (\d+) on record|of (\d+) people \(the minimum\))", part
        ):
            record = _size(record, int(m[1] or m[2]))
        elif part == "with the company name on record":
            record = (dataclasses.replace(record[0], company_name="Jane's employer"), record[1], record[2])
        elif m := re.fullmatch(r"without the disqualifier “(.+)”", part):
            record = _rule_off(record, m[1])
        else:
            pytest.fail(f"a what-if names a change this test does not know: {part!r}")
    return record


def check_population(records: list[Record], icp: Icp, model: LeadModel | None) -> Counter[tuple[str, str]]:
    """Score, find the what-ifs, check each line by re-scoring; the (verdict, change kind) counts."""
    pairs = [(p, a) for p, a, _i in records]
    scores = with_what_ifs(pairs, score_people(pairs, icp, model, NOW), icp, model, NOW)
    seen: Counter[tuple[str, str]] = Counter()
    for (person, account, _icp), score in zip(records, scores, strict=True):
        lines = [r.text for r in score.reasons if r.factor == WHAT_IF]
        assert len(lines) <= 1
        if not lines:
            continue
        match = LINE.fullmatch(lines[0])
        assert match, lines[0]
        tier, verdict = Tier(match[1]), LABEL_TO_VERDICT[match[2]]
        changed = apply((person, account, icp), match[3])
        again = score_person(changed[0], changed[1], changed[2], model, NOW)
        assert (again.tier, again.verdict) == (tier, verdict), (person.ref.record_id, lines[0], again)
        up_v = RANK_V.index(verdict) - RANK_V.index(score.verdict)
        up_t = RANK_T.index(tier) - RANK_T.index(score.tier)
        assert up_v >= 0 and up_t >= 0 and (up_v, up_t) != (0, 0), (lines[0], score.tier, score.verdict)
        assert score.reasons_text().splitlines()[-1] == lines[0]  # the field's last line
        seen[
            (
                score.verdict.value,
                re.sub(r" at \S+", " at …", re.sub(r"\d+", "N", re.sub(r"“[^”]+”", "“…”", match[3]))),
            )
        ] += 1
    return seen


@pytest.fixture(scope="module")
def seeded() -> tuple[list[Record], Icp, LeadModel]:
    portal = Portal(portal_id=1, domain="what-if.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=11, records=2000)
    icp = load_icp()
    model = train_crm_model(sandbox_examples(portal), icp, version="what-if").model
    return [(p, a, icp) for p, a in sandbox_people(portal)], icp, model


@pytest.mark.parametrize("with_model", [True, False], ids=["learned-model", "rules"])
def test_every_what_if_line_of_the_seeded_crm_is_true_when_re_scored(seeded, with_model) -> None:
    records, icp, model = seeded
    seen = check_population(records, icp, model if with_model else None)
    assert sum(seen.values()) >= 100, seen  # not vacuous: many leads got a line
    verdicts = {v for v, _c in seen}
    assert {"nurture", "disqualified"} <= verdicts, seen
    assert any("form submission" in c for _v, c in seen), seen


def hand_built(icp: Icp) -> list[Record]:
    """Leads covering what the seed may not: needs info, each disqualifier, several at once."""
    base = PersonBuilder()
    acme = AccountBuilder().build()
    recent = {"site_visits": 4, "page_views": 9, "last_visit_at": NOW - timedelta(days=2)}
    people: list[tuple[Person, Account | None]] = [
        (base.with_(title=None, company_name=None, email=None).build(), None),
        (base.with_(title="Sales", company_name="Acme", email="x@acme.io").build(), None),
        (PersonBuilder().title("Marketing Intern").build(), acme),
        (PersonBuilder().title("Looking for new opportunities").build(), acme),
        (PersonBuilder().email("dana@stanford.edu").build(), acme),
        (PersonBuilder().email("dana@rival.io").build(), acme),
        (PersonBuilder().email("dana1987@gmail.com").with_(company_name=None).build(), None),
        (PersonBuilder().build(), dataclasses.replace(acme, employees=1)),
        (PersonBuilder().build(), dataclasses.replace(acme, country="KP")),
        (PersonBuilder().title("Marketing Intern").build(), dataclasses.replace(acme, employees=2)),
        (PersonBuilder().engagement(**recent).build(), acme),
        (PersonBuilder().build(), acme),
        (PersonBuilder().email("dana1987@gmail.com").build(), acme),
        (
            PersonBuilder().title("Sales Manager").email("dana@gmail.com").build(),
            dataclasses.replace(acme, employees=None),
        ),
    ]
    return [(p, a, icp) for p, a in people]


def test_hand_built_leads_of_every_verdict_get_true_lines() -> None:
    icp = load_icp('[disqualifiers]\ncompetitor_domains = ["rival.io"]\ncountries_not_served = ["KP"]')
    seen = check_population(hand_built(icp), icp, None)
    kinds = {c for _v, c in seen}
    assert {"needs_info", "disqualified", "nurture"} <= {v for v, _c in seen}, seen
    assert "with a company of N people (the minimum)" in kinds, seen
    assert "without the disqualifier “…”" in kinds, seen
    assert "without the disqualifier “…” and with a company of N people (the minimum)" in kinds, seen
    assert "with a company size of N on record" in kinds, seen


def test_no_line_when_no_change_helps() -> None:
    """An L1 sales-ready lead has nothing to gain; a lead no single change lifts gets no line."""
    icp = load_icp()
    acme = AccountBuilder().build()
    top = PersonBuilder().engagement(
        form_submissions=2,
        meetings=2,
        site_visits=8,
        last_form_at=NOW,
        last_activity_at=NOW,
        last_visit_at=NOW,
    )
    stuck = PersonBuilder().email("dana@gmail.com").title("Marketing Manager")
    pairs = [(top.build(), acme), (stuck.build(), acme)]
    scores = with_what_ifs(pairs, score_people(pairs, icp, None, NOW), icp, None, NOW)
    assert [(s.tier, s.verdict) for s in scores] == [
        (Tier.L1, Verdict.SALES_READY),
        (Tier.L3, Verdict.NURTURE),
    ]
    assert not [r for s in scores for r in s.reasons if r.factor == WHAT_IF]
    assert what_if(*pairs[1], scores[1], icp, None, NOW) is None
