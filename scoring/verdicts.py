"""The verdict/tier matrix: which verdict each tier may carry, where each verdict is routed, and
what the CRM shows of a lead's probability. One table, enforced here, rendered into the README.

Rules, in order:
1. A disqualified lead is always L4. Its model probability is kept in leadq's score history for
   the audit, but the CRM's probability field is left empty: "disqualified" is the answer.
2. A lead missing what is needed to judge it is "needs info" in whatever tier it scored; it is not
   routed until the data is there.
3. "Sales-ready" needs engagement: an L1 lead whose engagement is below the ICP's
   ``verdicts.sales_ready_min_engagement`` is "nurture" (a strong fit, not engaging yet). An L2 lead
   is sales-ready only with a strong fit that is visibly engaging (``verdicts.l2_sales_ready_*``).
   L3 and L4 leads are never sales-ready.
4. Only sales-ready leads go to a rep (from their tier's pool); nurture leads go to the nurture queue,
   disqualified leads to the disqualified queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.records import VERDICT_LABELS as LABELS
from core.records import Tier, Verdict

ALLOWED: dict[Tier, frozenset[Verdict]] = {
    Tier.L1: frozenset({Verdict.SALES_READY, Verdict.NURTURE, Verdict.NEEDS_INFO}),
    Tier.L2: frozenset({Verdict.SALES_READY, Verdict.NURTURE, Verdict.NEEDS_INFO}),
    Tier.L3: frozenset({Verdict.NURTURE, Verdict.NEEDS_INFO}),
    Tier.L4: frozenset({Verdict.NURTURE, Verdict.NEEDS_INFO, Verdict.DISQUALIFIED}),
}
ROUTED_TO = {
    Verdict.SALES_READY: "a rep from the tier's pool",
    Verdict.NURTURE: "the nurture queue (no rep)",
    Verdict.DISQUALIFIED: "the disqualified queue (no rep)",
    Verdict.NEEDS_INFO: "not routed until the missing data is filled in",
}
PROBABILITY_SHOWN = {
    Verdict.SALES_READY: "the model's probability, as a percentage",
    Verdict.NURTURE: "the model's probability, as a percentage",
    Verdict.DISQUALIFIED: "empty (the model's probability is kept in leadq's history)",
    Verdict.NEEDS_INFO: "the model's probability, as a percentage",
}

NEEDS_INFO_WHEN = "neither e-mail nor company, or neither job title nor company industry/size"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The ICP's ``[verdicts]`` table."""

    sales_ready_min_engagement: float = 10.0
    l2_sales_ready_fit: float = 75.0
    l2_sales_ready_engagement: float = 30.0


def decide(
    tier: Tier,
    fit: float,
    engagement: float,
    disqualified: bool,
    needs_info: bool,
    thresholds: Thresholds,
) -> tuple[Tier, Verdict]:
    """The tier and verdict a lead ends with, always a pair the matrix allows."""
    if disqualified:
        return Tier.L4, Verdict.DISQUALIFIED
    if needs_info:
        return tier, Verdict.NEEDS_INFO
    engaged = engagement >= thresholds.sales_ready_min_engagement
    if tier == Tier.L1 and engaged:
        return tier, Verdict.SALES_READY
    if (
        tier == Tier.L2
        and engaged
        and fit >= thresholds.l2_sales_ready_fit
        and engagement >= thresholds.l2_sales_ready_engagement
    ):
        return tier, Verdict.SALES_READY
    return tier, Verdict.NURTURE


def check(tier: Tier, verdict: Verdict) -> None:
    """Raise when a tier/verdict pair is outside the matrix."""
    if verdict not in ALLOWED[tier]:
        raise ValueError(f"a {tier.value} lead cannot be {LABELS[verdict]!r}")


def shown_probability(verdict: Verdict, probability: float | None) -> float | None:
    """What the CRM's probability field shows: nothing for a disqualified lead."""
    return None if verdict == Verdict.DISQUALIFIED else probability


def goes_to_a_rep(verdict: Verdict) -> bool:
    return verdict == Verdict.SALES_READY


def _when(thresholds: Thresholds) -> dict[tuple[Tier, Verdict], str]:
    t = thresholds
    return {
        (Tier.L1, Verdict.SALES_READY): f"engagement at least {t.sales_ready_min_engagement:g}",
        (Tier.L1, Verdict.NURTURE): f"engagement below {t.sales_ready_min_engagement:g}",
        (Tier.L2, Verdict.SALES_READY): f"fit at least {t.l2_sales_ready_fit:g} and engagement at least "
        f"{max(t.l2_sales_ready_engagement, t.sales_ready_min_engagement):g}",
        (Tier.L2, Verdict.NURTURE): "otherwise",
        (Tier.L3, Verdict.NURTURE): "always, unless information is missing",
        (Tier.L4, Verdict.NURTURE): "not disqualified",
        (Tier.L4, Verdict.DISQUALIFIED): "a disqualifier applies, whatever the scores",
    }


def markdown_table(thresholds: Thresholds | None = None) -> str:
    """The matrix as the README shows it, with the default ICP's thresholds (a unit test keeps the
    two identical)."""
    when_of = _when(thresholds or Thresholds())
    lines = [
        "| Tier | Verdict (CRM label) | When | Routed to | Probability in the CRM |",
        "|---|---|---|---|---|",
    ]
    for tier in Tier:
        for verdict in Verdict:
            if verdict not in ALLOWED[tier]:
                continue
            when = when_of.get((tier, verdict), NEEDS_INFO_WHEN)
            lines.append(
                f"| {tier.value} | {LABELS[verdict]} (`{verdict.value}`) | {when} | "
                f"{ROUTED_TO[verdict]} | {PROBABILITY_SHOWN[verdict]} |"
            )
    return "\n".join(lines)
