"""Re-qualification triggers: why a lead that just crossed into L1 or L2 deserves a rep's attention now.

A trigger is decided only when the new score's tier is L1 or L2 and the lead was not there before:
never scored (``previous_tier`` None) or last scored L3 or L4. Then, in this order:

1. **re-engaged**: the person's newest engagement time is later than the one leadq stored with their
   previous score, and at least the ICP's ``requalify.dormant_days`` later ("re-engaged after 94
   days"). Needs a stored previous time: with none, leadq cannot tell how long they were silent.
2. **engaged-account**: the person was never scored before (a new contact) and their company already
   has at least ``requalify.engaged_contacts`` other engaged contacts ("3rd engaged contact at Acme").

When both hold, re-engaged wins: it says what this person did, the other only where they work.
"Engaged" is the company score's notion (``scoring.accounts.ENGAGED_AT``: engagement of at least 30
of 100, its "stakeholders engaged"), so the two texts a rep reads count the same people.

The trigger is shown as the lead's first itemised reason (factor ``requalified``, no contribution:
it explains why the lead is worth a look now, it adds nothing to the score). ``carry_trigger`` keeps
it on later scores while the lead stays in L1 or L2, so a re-run writes the same reasons.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.records import Engagement, Reason, Tier
from scoring.accounts import ENGAGED_AT
from scoring.requalify_config import Requalify
from scoring.score import REQUALIFIED, Score

HOT_TIERS = frozenset({Tier.L1, Tier.L2})
SUFFIXES = {1: "st", 2: "nd", 3: "rd"}
TriggerKind = Literal["re-engaged", "engaged-account"]


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: TriggerKind
    text: str  # what the rep reads, e.g. "re-engaged after 94 days"


def is_engaged(engagement: float) -> bool:
    """Whether a contact with this engagement score (0-100) counts as engaged at their company."""
    return engagement >= ENGAGED_AT


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th."""
    if number < 0:
        raise ValueError(f"an ordinal needs a number >= 0, got {number}")
    suffix = "th" if number % 100 in (11, 12, 13) else SUFFIXES.get(number % 10, "th")
    return f"{number}{suffix}"


def _re_engaged(
    previous: datetime | None, latest: datetime | None, now: datetime, settings: Requalify
) -> Trigger | None:
    if previous is None or latest is None or not previous < latest <= now:
        return None  # a time after now is a CRM clock or data error: not trusted
    days = (latest - previous).days  # whole days: 89 days and 23 hours is not 90
    if days < settings.dormant_days:
        return None
    return Trigger("re-engaged", f"re-engaged after {days} days")


def _engaged_account(
    engaged_others: int, engaged_self: bool, account_name: str | None, settings: Requalify
) -> Trigger | None:
    if engaged_others < settings.engaged_contacts:
        return None
    name = " ".join((account_name or "").split())
    where = f"at {name}" if name else "at their company"
    if engaged_self:
        return Trigger("engaged-account", f"{ordinal(engaged_others + 1)} engaged contact {where}")
    others = "1 contact is" if engaged_others == 1 else f"{engaged_others} contacts are"
    return Trigger("engaged-account", f"new contact {where}, where {others} engaged")


def trigger_for(
    *,
    previous_tier: Tier | None,
    previous_last_engaged: datetime | None,
    score: Score,
    engagement: Engagement,
    engaged_others: int,
    account_name: str | None,
    settings: Requalify,
    now: datetime,
) -> Trigger | None:
    """The re-qualification trigger of a new ``score``, or None (rules in the module's docstring).

    ``previous_tier`` and ``previous_last_engaged``: what leadq stored with the person's previous score
    (None: never scored, or no engagement time known then). ``engagement``: the person's signals now;
    "last engaged" is their newest time (``Engagement.last_engaged_at``, as leadq stores it).
    ``engaged_others``: the engaged contacts at their company, the person left out."""
    if score.tier not in HOT_TIERS or previous_tier in HOT_TIERS:
        return None
    re_engaged = _re_engaged(previous_last_engaged, engagement.last_engaged_at, now, settings)
    if re_engaged is not None:
        return re_engaged
    if previous_tier is not None:
        return None
    return _engaged_account(engaged_others, is_engaged(score.engagement), account_name, settings)


def trigger_reason(trigger: Trigger) -> Reason:
    return Reason(REQUALIFIED, 0.0, trigger.text)


def with_trigger(score: Score, trigger: Trigger | None) -> Score:
    """``score`` with the trigger as its first reason (replacing any earlier trigger); unchanged
    without one."""
    if trigger is None:
        return score
    kept = tuple(r for r in score.reasons if r.factor != REQUALIFIED)
    return dataclasses.replace(score, reasons=(trigger_reason(trigger), *kept))


def carry_trigger(score: Score, previous_reasons: Sequence[Reason]) -> Score:
    """``score`` keeping the trigger of the previous score while the lead stays in L1 or L2 (so the
    flag stays until the lead drops, and a re-run writes the same reasons); a score that has its own
    trigger, or is no longer L1/L2, is returned unchanged."""
    if score.tier not in HOT_TIERS or any(r.factor == REQUALIFIED for r in score.reasons):
        return score
    earlier = next((r for r in previous_reasons if r.factor == REQUALIFIED), None)
    if earlier is None:
        return score
    return dataclasses.replace(score, reasons=(earlier, *score.reasons))
