"""Account scoring: one company/account from its firmographics and its people.

Pure: in, the features and scores of the account's people (as scored for themselves) and the ICP;
out, the account's own fit, engagement, tier, verdict, buying-committee coverage and reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.records import Tier, Verdict
from scoring import verdicts
from scoring.features import PersonFeatures
from scoring.icp import Icp
from scoring.rules import FUNCTION_WORDS, SENIORITY_WORDS, WEIGHTS, component_text, component_values
from scoring.score import Score, tier_for

FIRMOGRAPHIC = ("industry", "size", "country", "revenue", "tech")
ENGAGED_AT = 30.0  # a person with at least this engagement (0-100) counts as an engaged stakeholder
DECISION_MAKERS = frozenset({"c_level", "vp", "head", "director"})
SENIORITY_ORDER = ("c_level", "vp", "head", "director", "manager", "individual")


@dataclass(frozen=True)
class AccountScore:
    fit: float  # the company's own ICP fit (firmographics only), 0-100
    engagement: float  # from its people: the most engaged, plus breadth, 0-100
    probability: float | None  # the likeliest buyer's conversion probability
    priority: float
    tier: Tier
    verdict: Verdict
    confidence: str
    best_contact_index: int | None
    engaged_stakeholders: int
    committee_coverage: float  # share of buying-committee functions with an engaged person
    committee_engaged: tuple[str, ...]
    committee_missing: tuple[str, ...]
    seniorities_engaged: tuple[str, ...]
    surge: int  # people active in the last 7 days
    reasons: tuple[str, ...]
    people: int

    def committee_text(self) -> str:
        """The buying committee as a rep reads it: who is engaged, who is missing."""
        engaged = ", ".join(FUNCTION_WORDS.get(f, f) for f in self.committee_engaged) or "nobody yet"
        lines = [f"engaged: {engaged}"]
        if self.committee_missing:
            lines.append("missing: " + ", ".join(FUNCTION_WORDS.get(f, f) for f in self.committee_missing))
        if self.seniorities_engaged:
            levels = ", ".join(SENIORITY_WORDS.get(s, s) for s in self.seniorities_engaged)
            lines.append(f"levels engaged: {levels}")
        lines.append(f"coverage: {round(self.committee_coverage * 100)}%")
        return "\n".join(lines)

    def reasons_text(self) -> str:
        return "\n".join(self.reasons)


def account_fit(f: PersonFeatures, icp: Icp) -> tuple[float, list[tuple[float, str]]]:
    """The company's fit from its firmographics alone: the person-level components that describe the
    company (industry, size, country, revenue, tech stack), weighted as in a person's fit."""
    values = component_values(f, icp)
    total = sum(WEIGHTS[k] for k in FIRMOGRAPHIC)
    fit = 100.0 * sum(WEIGHTS[k] * values[k] for k in FIRMOGRAPHIC) / total
    parts = [
        (round(100.0 * WEIGHTS[k] * (values[k] - 0.5) / total, 1), component_text(k, values[k], f, icp))
        for k in FIRMOGRAPHIC
    ]
    return round(fit, 1), parts


def _engagement(scores: Sequence[Score]) -> float:
    """The most engaged person, plus half the second and a quarter of the third (breadth counts)."""
    top = sorted((s.engagement for s in scores), reverse=True)[:3]
    return round(min(100.0, sum(e * w for e, w in zip(top, (1.0, 0.5, 0.25), strict=False))), 1)


def score_account(people: Sequence[tuple[PersonFeatures, Score]], icp: Icp) -> AccountScore:
    """Best contact's priority, raised by engaged stakeholders, committee coverage and a surge; the
    company's own fit and its people's engagement alongside."""
    committee = tuple(sorted(icp.buying_committee or ()))
    fit, fit_parts = account_fit(people[0][0], icp) if people else (0.0, [])
    live = [(i, f, s) for i, (f, s) in enumerate(people) if s.verdict != Verdict.DISQUALIFIED]
    confidence = "high" if len(people) >= 3 else "medium" if len(people) == 2 else "low"
    if not live:
        why_not = ("! no qualified contacts", *[f"- {text}" for c, text in fit_parts if c < 0][:2])
        return AccountScore(
            fit,
            0.0,
            None,
            0.0,
            Tier.L4,
            Verdict.DISQUALIFIED,
            confidence,
            None,
            0,
            0.0,
            (),
            committee,
            (),
            0,
            why_not,
            len(people),
        )
    best_index, _best_f, best = max(live, key=lambda t: t[2].priority)
    engaged_people = [(f, s) for _i, f, s in live if s.engagement >= ENGAGED_AT]
    engaged = len(engaged_people)
    covered = tuple(sorted({f.title.function for f, _s in engaged_people} & set(committee)))
    missing = tuple(c for c in committee if c not in covered)
    coverage = len(covered) / len(committee) if committee else 0.0
    levels = {f.title.seniority for f, _s in engaged_people}
    seniorities = tuple(s for s in SENIORITY_ORDER if s in levels)
    surge = sum(1 for _, f, _s in live if f.days_since_activity is not None and f.days_since_activity <= 7)
    priority = min(
        100.0,
        best.priority + 4.0 * min(max(engaged - 1, 0), 3) + 10.0 * coverage + (5.0 if surge >= 2 else 0),
    )
    engagement = _engagement([s for _i, _f, s in live])
    # The same tier/verdict matrix as a person's (scoring/verdicts.py), on the account's own figures.
    tier, verdict = verdicts.decide(tier_for(priority, icp), fit, engagement, False, False, icp.verdicts)
    probabilities = [s.probability for _i, _f, s in live if s.probability is not None]
    reasons = [f"+ best contact scores {best.priority:.0f} ({best.tier.value})"]
    if engaged:
        reasons.append(
            f"+ {engaged} stakeholder{'s' if engaged > 1 else ''} engaged ({ENGAGED_AT:.0f}+ of 100)"
        )
    else:
        reasons.append(f"- no stakeholder engaged at {ENGAGED_AT:.0f} or more of 100")
    if committee:
        reasons.append(
            f"{'+' if covered else '-'} buying committee {len(covered)} of {len(committee)} engaged"
        )
    if seniorities and not levels & DECISION_MAKERS:
        reasons.append("- no decision maker engaged (director or above)")
    if surge >= 2:
        reasons.append(f"+ {surge} people active this week")
    for contribution, text in sorted(fit_parts, key=lambda p: -abs(p[0]))[:2]:
        if contribution:
            reasons.append(f"{'+' if contribution > 0 else '-'} {text}")
    return AccountScore(
        fit=fit,
        engagement=engagement,
        probability=max(probabilities) if probabilities else None,
        priority=round(priority, 1),
        tier=tier,
        verdict=verdict,
        confidence=confidence,
        best_contact_index=best_index,
        engaged_stakeholders=engaged,
        committee_coverage=round(coverage, 2),
        committee_engaged=covered,
        committee_missing=missing,
        seniorities_engaged=seniorities,
        surge=surge,
        reasons=tuple(reasons),
        people=len(people),
    )
