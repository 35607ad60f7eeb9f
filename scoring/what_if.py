"""What would change a lead's verdict: one actionable change, found by scoring the lead again with it.

True by construction: every candidate is a concrete change to the record's own inputs (the person,
their account) or, for a disqualifier, to the ICP rule that disqualifies; the changed lead is scored
again with the real scoring function (``score_people``), and a line is written only when that score
is better (a higher tier or verdict, neither worse). No candidate better: no line.

Candidates, in order (the first that helps is the line):
- a disqualified lead: each disqualifier that would need to go (a too-small company as the record
  saying the minimum size; the others as the ICP not applying the rule), then all of them together;
- a lead missing what is needed to judge it: the missing company name, the missing company size;
- every other lead: a form submission today, a meeting today, a business e-mail address at the
  company's domain, the company size on record.
Facts a rep cannot act on (title, country, industry) are never changed, except as a disqualifier.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.records import VERDICT_LABELS, Account, Person, Reason, Tier, Verdict
from scoring.disqualify import disqualifiers
from scoring.features import PersonFeatures, person_features
from scoring.icp import Icp
from scoring.leadmodel import LearnedModel
from scoring.score import WHAT_IF, Score, score_people

VERDICT_RANK = {Verdict.DISQUALIFIED: 0, Verdict.NEEDS_INFO: 1, Verdict.NURTURE: 2, Verdict.SALES_READY: 3}
TIER_RANK = {Tier.L4: 0, Tier.L3: 1, Tier.L2: 2, Tier.L1: 3}


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a lead is scored from: the person, their account, the ICP."""

    person: Person
    account: Account | None
    icp: Icp


@dataclass(frozen=True, slots=True)
class Change:
    """One candidate change: how a rep would say it, and the inputs with it applied."""

    phrase: str  # completes "Would be L1 · Sales-ready ..."
    inputs: Inputs


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The change found, and the tier and verdict the lead scored with it."""

    tier: Tier
    verdict: Verdict
    phrase: str

    @property
    def text(self) -> str:
        return f"Would be {self.tier.value} · {VERDICT_LABELS[self.verdict]} {self.phrase}"


def better(before: Score, after: Score) -> bool:
    """A higher tier or verdict, and neither lower."""
    vb, va = VERDICT_RANK[before.verdict], VERDICT_RANK[after.verdict]
    tb, ta = TIER_RANK[before.tier], TIER_RANK[after.tier]
    return va >= vb and ta >= tb and (va, ta) != (vb, tb)


def with_employees(inputs: Inputs, employees: int) -> Inputs:
    """The company size on record: the account's when it has one, else the person's own field."""
    if inputs.account is not None and inputs.account.employees is not None:
        account = dataclasses.replace(inputs.account, employees=employees)
        return dataclasses.replace(inputs, account=account)
    person = dataclasses.replace(inputs.person, employees_text=str(employees))
    # An account whose size is unknown keeps it unknown: the person's own field then says the size.
    return dataclasses.replace(inputs, person=person)


def _form_today(inputs: Inputs, now: datetime) -> Inputs:
    e = inputs.person.engagement
    engagement = dataclasses.replace(e, form_submissions=e.form_submissions + 1, last_form_at=now)
    return dataclasses.replace(inputs, person=dataclasses.replace(inputs.person, engagement=engagement))


def _meeting_today(inputs: Inputs, now: datetime) -> Inputs:
    e = inputs.person.engagement
    engagement = dataclasses.replace(e, meetings=e.meetings + 1, last_activity_at=now)
    return dataclasses.replace(inputs, person=dataclasses.replace(inputs.person, engagement=engagement))


def _business_email(inputs: Inputs, domain: str) -> Inputs:
    first = re.sub(r"[^a-z0-9]", "", (inputs.person.first_name or "").lower())
    local = first if first and first not in ("info", "sales", "contact") else "firstname.lastname"
    return dataclasses.replace(inputs, person=dataclasses.replace(inputs.person, email=f"{local}@{domain}"))


# The ICPs without a rule, shared by the leads they apply to (one scoring pass for each, not one per
# lead): keyed by the ICP's identity, the rule and what it no longer covers. New with each call.
_Variants = dict[tuple[int, str, frozenset[str | None]], Icp]


def _rule_off(icp: Icp, code: str, covered: frozenset[str | None]) -> Icp:
    if code == "competitor":
        return dataclasses.replace(icp, competitor_domains=icp.competitor_domains - covered)
    if code == "country_not_served":
        return dataclasses.replace(icp, countries_not_served=icp.countries_not_served - covered)
    if code == "job_seeker":
        return dataclasses.replace(icp, dq_job_seekers=False)
    if code == "intern":
        return dataclasses.replace(icp, dq_interns=False)
    if code == "student":
        return dataclasses.replace(icp, dq_student_email=False)
    return dataclasses.replace(icp, dq_free_email=False)  # personal_email


def _without_rule(icp: Icp, code: str, f: PersonFeatures, variants: _Variants) -> Icp:
    """The ICP with one disqualifier rule no longer applying to this lead."""
    covered: frozenset[str | None] = frozenset()
    if code == "competitor":
        covered = frozenset({f.email.domain, f.domain})
    elif code == "country_not_served":
        covered = frozenset({f.country})
    key = (id(icp), code, covered)
    if key not in variants:
        variants[key] = _rule_off(icp, code, covered)
    return variants[key]


@dataclass(frozen=True, slots=True)
class _Removal:
    """One disqualifier gone: a too-small company at the minimum size, or the ICP rule off."""

    code: str
    text: str

    def phrase(self, icp: Icp) -> str:
        if self.code == "too_small":
            return f"with a company of {icp.dq_min_employees} people (the minimum)"
        return f"without the disqualifier “{self.text}”"

    def apply(self, inputs: Inputs, f: PersonFeatures, variants: _Variants) -> Inputs:
        if self.code == "too_small":
            return with_employees(inputs, inputs.icp.dq_min_employees)
        return dataclasses.replace(inputs, icp=_without_rule(inputs.icp, self.code, f, variants))


def _disqualifier_changes(inputs: Inputs, f: PersonFeatures, variants: _Variants) -> list[Change]:
    """Each disqualifier gone alone, then (when there are several) all of them."""
    removals = [_Removal(code, text) for code, text in disqualifiers(f, inputs.icp)]
    groups = [[r] for r in removals] + ([removals] if len(removals) > 1 else [])
    changes = []
    for group in groups:
        changed = inputs
        for removal in group:
            changed = removal.apply(changed, f, variants)
        changes.append(Change(" and ".join(r.phrase(inputs.icp) for r in group), changed))
    return changes


def candidates(
    inputs: Inputs, f: PersonFeatures, score: Score, now: datetime, variants: _Variants | None = None
) -> list[Change]:
    """The changes worth trying for this lead, in order."""
    if score.verdict == Verdict.DISQUALIFIED:
        return _disqualifier_changes(inputs, f, {} if variants is None else variants)
    out: list[Change] = []
    low, _high = inputs.icp.employees_ideal
    if "e-mail or company" in f.missing:
        named = dataclasses.replace(inputs.person, company_name="(the company's name)")
        out.append(Change("with the company name on record", dataclasses.replace(inputs, person=named)))
    if score.verdict == Verdict.NEEDS_INFO and f.employees is None:
        out.append(Change(f"with a company size of {low} on record", with_employees(inputs, low)))
    if score.verdict == Verdict.NEEDS_INFO:
        return out
    out.append(Change("after a form submission today", _form_today(inputs, now)))
    out.append(Change("after a meeting today", _meeting_today(inputs, now)))
    if f.email.kind != "business" and f.domain:
        out.append(Change(f"with a business e-mail address at {f.domain}", _business_email(inputs, f.domain)))
    if f.employees is None:
        out.append(Change(f"with a company size of {low} on record", with_employees(inputs, low)))
    return out


def what_ifs(
    people: Sequence[tuple[Person, Account | None]],
    scores: Sequence[Score],
    icp: Icp,
    model: LearnedModel | None,
    now: datetime,
    model_note: str = "",
    features: Sequence[PersonFeatures] | None = None,
) -> list[WhatIf | None]:
    """For each lead, the first candidate change that scores better, or None. Scored in bulk: one
    pass per round of candidates (and per ICP a disqualifier change brings)."""
    if features is None:
        features = [person_features(p, a, icp, now) for p, a in people]
    pending: dict[int, list[Change]] = {}
    variants: _Variants = {}
    for i, ((person, account), score, f) in enumerate(zip(people, scores, features, strict=True)):
        if (score.tier, score.verdict) != (Tier.L1, Verdict.SALES_READY):
            pending[i] = candidates(Inputs(person, account, icp), f, score, now, variants)
    found: list[WhatIf | None] = [None] * len(scores)
    step = 0
    while pending:
        trying = [(i, changes[step]) for i, changes in pending.items() if step < len(changes)]
        if not trying:
            break
        groups: dict[int, list[tuple[int, Change]]] = {}
        for i, change in trying:
            groups.setdefault(id(change.inputs.icp), []).append((i, change))
        for group in groups.values():
            group_icp = group[0][1].inputs.icp
            pairs = [(c.inputs.person, c.inputs.account) for _i, c in group]
            for (i, change), after in zip(
                group, score_people(pairs, group_icp, model, now, model_note), strict=True
            ):
                if better(scores[i], after):
                    found[i] = WhatIf(after.tier, after.verdict, change.phrase)
                    del pending[i]
        step += 1
    return found


def what_if(
    person: Person,
    account: Account | None,
    score: Score,
    icp: Icp,
    model: LearnedModel | None,
    now: datetime,
    model_note: str = "",
) -> WhatIf | None:
    """The one lead's what-if (see ``what_ifs``)."""
    return what_ifs([(person, account)], [score], icp, model, now, model_note)[0]


def with_what_ifs(
    people: Sequence[tuple[Person, Account | None]],
    scores: Sequence[Score],
    icp: Icp,
    model: LearnedModel | None,
    now: datetime,
    model_note: str = "",
    features: Sequence[PersonFeatures] | None = None,
) -> list[Score]:
    """The scores with their what-if as a last reason (factor ``what_if``), where one was found."""
    found = what_ifs(people, scores, icp, model, now, model_note, features)
    return [
        s if w is None else dataclasses.replace(s, reasons=(*s.reasons, Reason(WHAT_IF, 0.0, w.text)))
        for s, w in zip(scores, found, strict=True)
    ]
