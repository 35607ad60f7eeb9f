"""Learning from the reps: what a person's override of leadq's tier or verdict, or a rejected lead,
says about the lead, as a training label with a weight; and how often reps disagreed, by tier.

A rep's judgment is a weaker label than a closed deal: a rejected lead becomes a lost example with the
ICP's ``[learning] rejected_weight``, a lead a rep raised (a better tier, or "sales-ready" by hand) a
won example with ``upgrade_weight``; a record with a real outcome is labelled by the outcome alone.
The held-out evaluation and the champion/challenger gate never score feedback labels (see
``scoring.training``). Pure: the rows come from ``storage.feedback``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

TIERS = ("L1", "L2", "L3", "L4")
TIER_FIELD, VERDICT_FIELD = "leadq_tier", "leadq_verdict"
REJECTED, UPGRADED, LOWERED, OWNER = "rejected", "upgraded", "lowered", "owner"
VERDICTS = {"sales-ready": "sales_ready", "disqualified": "disqualified"}  # labels reps see -> values
HELD_OUT_SHARE = 4  # one record in 4 with feedback is held out of the held-out model's training


@dataclass(frozen=True, slots=True)
class Learning:
    """The ICP's ``[learning]`` table: whether and how strongly reps' feedback trains the model."""

    use_overrides: bool = True
    rejected_weight: float = 0.5  # a rejected lead: a lost example of this weight (a closed deal is 1)
    upgrade_weight: float = 0.25  # a lead a rep raised: a won example of this weight


class RepFeedback(Protocol):
    """One stored feedback row (``storage.feedback.StoredFeedback``), on a person's record (a HubSpot
    Leads record's feedback is its contact's); ``leadq_tier``: the tier of the person's newest score
    (None: not known)."""

    @property
    def object_type(self) -> str: ...  # contact | lead (a person)
    @property
    def record_id(self) -> str: ...
    @property
    def kind(self) -> str: ...  # override | rejected
    @property
    def field_key(self) -> str: ...
    @property
    def leadq_value(self) -> str | None: ...
    @property
    def human_value(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def leadq_tier(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RepLabel:
    """What the reps' newest judgment of one record says: ``signal`` rejected or upgraded, when."""

    record_id: str
    signal: str
    at: datetime


def _tier(value: str | None) -> int | None:
    text = (value or "").strip().upper()
    return TIERS.index(text) if text in TIERS else None


def _verdict(value: str | None) -> str:
    text = (value or "").strip().lower()
    return VERDICTS.get(text, text.replace(" ", "_").replace("-", "_"))


def signal_of(row: RepFeedback, owner_field: str) -> str | None:
    """What one feedback row says: rejected, upgraded, lowered (a worse tier, not L4), owner (another
    owner), or None (a change that says nothing about the lead's quality)."""
    if row.kind == REJECTED:
        return REJECTED
    if row.field_key == owner_field:
        return OWNER
    if row.field_key == TIER_FIELD:
        human, ours = _tier(row.human_value), _tier(row.leadq_value)
        if human is None:
            return None
        if human == 3 and ours != 3:
            return REJECTED  # L4: "do not work"
        if ours is None or human == ours:
            return None
        return UPGRADED if human < ours else LOWERED
    if row.field_key == VERDICT_FIELD:
        human_v, ours_v = _verdict(row.human_value), _verdict(row.leadq_value)
        if human_v == ours_v:
            return None
        return {"disqualified": REJECTED, "sales_ready": UPGRADED}.get(human_v, LOWERED)
    return None


def rep_labels(rows: Iterable[RepFeedback], owner_field: str) -> dict[str, RepLabel]:
    """Each record's training label from the reps: its newest judgment of the lead's quality, if that
    is a rejection or an upgrade (a rep who first rejected a lead, then raised it, raised it)."""
    newest: dict[str, tuple[datetime, str]] = {}
    for row in rows:
        signal = signal_of(row, owner_field)
        if signal in (REJECTED, UPGRADED, LOWERED) and (
            row.record_id not in newest or row.at >= newest[row.record_id][0]
        ):
            newest[row.record_id] = (row.at, str(signal))
    return {
        record: RepLabel(record, signal, at)
        for record, (at, signal) in newest.items()
        if signal in (REJECTED, UPGRADED)
    }


def weight_of(label: RepLabel, learning: Learning) -> float:
    return learning.rejected_weight if label.signal == REJECTED else learning.upgrade_weight


def held_out(record_id: str) -> bool:
    """Whether a record's feedback is held out of the held-out model (a stable quarter of records),
    so the report can say whether the new model agrees with reps on leads it did not learn them from."""
    return int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) % HELD_OUT_SHARE == 0


def disagreement(
    rows: Iterable[RepFeedback], scored: Mapping[str, int], owner_field: str
) -> dict[str, dict[str, Any]]:
    """Per tier leadq gave: the leads scored in it (``scored``: tier -> records whose newest score is
    in it) and how many of them reps raised, lowered, rejected or gave another owner (a record counted
    once per kind), with the share of the tier's leads a rep disagreed with in any way."""
    seen: dict[str, dict[str, set[str]]] = {t: {} for t in TIERS}
    for row in rows:
        signal = signal_of(row, owner_field)
        tier = row.leadq_value if row.field_key == TIER_FIELD else row.leadq_tier
        if signal is None or (tier or "").upper() not in TIERS:
            continue
        seen[str(tier).upper()].setdefault(signal, set()).add(row.record_id)
    out: dict[str, dict[str, Any]] = {}
    for tier in TIERS:
        kinds = seen[tier]
        anyone = set().union(*kinds.values()) if kinds else set()
        leads = int(scored.get(tier, 0))
        out[tier] = {
            "scored": leads,
            **{k: len(kinds.get(k, ())) for k in (UPGRADED, LOWERED, REJECTED, OWNER)},
            "disagreed": len(anyone),
            "share": round(len(anyone) / leads, 4) if leads else None,
        }
    return out
