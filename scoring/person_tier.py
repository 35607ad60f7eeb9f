"""A tier a person set in the CRM over leadq's. leadq never writes over it (a human edit wins), and
the rest of what it writes goes with it: the verdict is decided again for the person's tier (so the
CRM holds a tier and verdict pair the matrix allows: a lead a rep moved to L4 is no longer
"Sales-ready"), and the summary line says who set the tier. leadq's own score is unchanged; it is
what leadq stores, shows on the lead page and learns from (the person's tier is feedback)."""

from __future__ import annotations

from dataclasses import replace

from core.records import Reason, Tier, Verdict
from scoring import verdicts
from scoring.score import PERSON_TIER, WHAT_IF, Score


def tier_of(value: str | None) -> Tier | None:
    """The tier a CRM value names ("L1".."L4"), or None."""
    return next((t for t in Tier if t.value == (value or "").strip()), None)


def person_set_tier(current: str | None, written: str | None) -> Tier | None:
    """The tier a person set: the CRM holds a tier other than the one leadq last wrote there. None
    when leadq never wrote one, or the CRM still holds leadq's (or no tier at all)."""
    held = tier_of(current)
    if written is None or held is None or held == tier_of(written):
        return None
    return held


SAID = "tier set by a person (leadq scored "


def said_in(reasons: str | None) -> Tier | None:
    """The tier a person set, read back from the reasons leadq wrote (their summary line: "L4 ·
    Nurture · tier set by a person (leadq scored L1), ..."); None for reasons of leadq's own tier."""
    head = (reasons or "").split("\n", 1)[0].split(" · ", 2)
    if len(head) < 3 or not head[2].startswith(SAID):
        return None
    return tier_of(head[0])


def with_person_tier(score: Score, tier: Tier, thresholds: verdicts.Thresholds) -> Score:
    """What leadq writes beside a tier a person set: the verdict for that tier (a disqualified lead
    stays disqualified and a lead that needs information stays so, whatever the tier), the
    person's tier named first among the reasons, and no "what would change it" line (leadq's what-if
    was worked out for its own tier)."""
    if tier == score.tier:
        return score
    disqualified = score.verdict == Verdict.DISQUALIFIED
    needs_info = score.verdict == Verdict.NEEDS_INFO
    _tier, verdict = verdicts.decide(tier, score.fit, score.engagement, disqualified, needs_info, thresholds)
    said = Reason(PERSON_TIER, 0.0, f"{SAID}{score.tier.value})")
    kept = tuple(r for r in score.reasons if r.factor != WHAT_IF)
    return replace(score, tier=tier, verdict=verdict, reasons=(said, *kept))
