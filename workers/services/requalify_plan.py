"""Re-qualification in a planned batch: flag a person who just crossed into L1/L2 with why they are
worth a look now ("re-engaged after 94 days", "3rd engaged contact at Acme"), from what leadq stored
with their previous score. Pure but for the count of engaged contacts at a company it is given."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.records import Account, Person, Reason, Tier
from scoring.requalify import HOT_TIERS, carry_trigger, trigger_for, with_trigger
from scoring.requalify_config import Requalify
from scoring.score import Score

RecordKey = tuple[str, str]  # (object type, record id)
# Company ids -> the ids of their people leadq has scored as engaged (a CRM read and leadq's store).
EngagedPeople = Callable[[Sequence[str]], Mapping[str, frozenset[str]]]


@dataclass(frozen=True, slots=True)
class Prior:
    """What leadq stored with a person's previous score."""

    tier: Tier
    last_engaged_at: datetime | None
    reasons: tuple[Reason, ...]


def prior_of(
    tier: str, last_engaged_at: datetime | None, reasons: Sequence[Sequence[object]] | None
) -> Prior:
    """A stored score's columns as a Prior (reasons stored as ``[factor, contribution, text]``)."""
    kept = tuple(Reason(str(r[0]), float(str(r[1])), str(r[2])) for r in reasons or [] if len(r) == 3)
    return Prior(Tier(tier), last_engaged_at, kept)


def _company(person: Person, account: Account | None) -> str | None:
    return account.ref.record_id if account is not None else person.account_id


def requalified(
    pairs: Sequence[tuple[Person, Account | None]],
    scores: Sequence[Score],
    priors: Mapping[RecordKey, Prior],
    settings: Requalify,
    now: datetime,
    engaged: EngagedPeople | None = None,
) -> list[Score]:
    """Each score with its re-qualification trigger (or the one it carries while it stays L1/L2).
    ``engaged``: None leaves out the new-contact-at-an-engaged-company trigger (a backfill, where
    every contact is new to leadq and the companies' counts are still being built)."""
    keys = [(p.ref.object_type.value, p.ref.record_id) for p, _a in pairs]
    new_hot = {
        company
        for (person, account), score, key in zip(pairs, scores, keys, strict=True)
        if score.tier in HOT_TIERS and key not in priors and (company := _company(person, account))
    }
    people_of = engaged(sorted(new_hot)) if engaged is not None and new_hot else {}
    out = []
    for (person, account), score, key in zip(pairs, scores, keys, strict=True):
        prior = priors.get(key)
        company = _company(person, account)
        others = len(people_of.get(company or "", frozenset()) - {person.ref.record_id})
        trigger = trigger_for(
            previous_tier=prior.tier if prior else None,
            previous_last_engaged=prior.last_engaged_at if prior else None,
            score=score,
            engagement=person.engagement,
            engaged_others=others,
            account_name=(account.name if account else None) or person.company_name,
            settings=settings,
            now=now,
        )
        out.append(carry_trigger(with_trigger(score, trigger), prior.reasons if prior else ()))
    return out
