"""Account scoring: the people of one company, aggregated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from leadq.records import Tier
from scoring.features import PersonFeatures
from scoring.icp import Icp
from scoring.score import Score, tier_for


@dataclass(frozen=True)
class AccountScore:
    priority: float
    tier: Tier
    best_contact_index: int | None
    engaged_stakeholders: int
    committee_coverage: float  # share of buying-committee functions with at least one person
    surge: int  # people active in the last 7 days
    reasons: tuple[str, ...]


def score_account(people: Sequence[tuple[PersonFeatures, Score]], icp: Icp) -> AccountScore:
    """Best contact's priority, raised by engaged stakeholders, committee coverage and a surge."""
    live = [(i, f, s) for i, (f, s) in enumerate(people) if s.verdict.value != "disqualified"]
    if not live:
        return AccountScore(0.0, Tier.L4, None, 0, 0.0, 0, ("no qualified contacts",))
    best_index, _best_f, best = max(live, key=lambda t: t[2].priority)
    engaged = sum(1 for _, _f, s in live if s.engagement >= 30)
    committee = icp.buying_committee or frozenset()
    covered = {f.title.function for _, f, _s in live} & committee
    coverage = len(covered) / len(committee) if committee else 0.0
    surge = sum(1 for _, f, _s in live if f.days_since_activity is not None and f.days_since_activity <= 7)
    priority = min(
        100.0,
        best.priority + 4.0 * min(max(engaged - 1, 0), 3) + 10.0 * coverage + (5.0 if surge >= 2 else 0),
    )
    reasons = [f"best contact scores {best.priority:.0f}"]
    if engaged > 1:
        reasons.append(f"{engaged} engaged stakeholders")
    if covered:
        reasons.append(f"buying committee covered: {', '.join(sorted(covered))}")
    if surge >= 2:
        reasons.append(f"{surge} people active this week")
    return AccountScore(
        round(priority, 1),
        tier_for(priority, icp),
        best_index,
        engaged,
        round(coverage, 2),
        surge,
        tuple(reasons),
    )
