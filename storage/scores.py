"""Stored scores: a row per change of a record's score (history records changes, not repetitions),
and the reads of each record's newest one."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from numbers import Integral, Real
from typing import Any, TypeAlias

from sqlalchemy import func, null, select
from sqlalchemy.orm import Session

from storage.tables import ScoreRow

StoredScore: TypeAlias = ScoreRow  # a stored score as the repository hands it out
RecordKey: TypeAlias = tuple[str, str]  # (object type, record id)


@dataclass(frozen=True, slots=True)
class NewScore:
    """A score to store, in the columns' own terms (tier and verdict as their strings, reasons as
    ``[factor, contribution, text]`` lists)."""

    object_type: str
    record_id: str
    record_version: str
    fit: float
    engagement: float
    probability: float | None
    tier: str
    verdict: str
    confidence: str
    reasons: list[list[Any]]
    model_version: str
    scored_at: datetime  # when it was computed; the score itself is as of the day
    last_engaged_at: datetime | None = None  # the record's newest engagement when it was scored
    priority: float | None = None  # 0-100, what the tier is cut from
    # The model's inputs (PersonFeatures.model_row, JSON-safe; None: an empty field); None for accounts.
    inputs: dict[str, Any] | None = None

    @property
    def key(self) -> RecordKey:
        return (self.object_type, self.record_id)


def json_inputs(row: Mapping[str, object]) -> dict[str, Any]:
    """A model row as JSON can hold it: numbers as Python int/float (NaN and infinities as None),
    booleans, text; anything else as its text."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or isinstance(value, (bool, str)):
            out[key] = value
        elif isinstance(value, Integral):
            out[key] = int(value)
        elif isinstance(value, Real):
            number = float(value)
            out[key] = number if math.isfinite(number) else None
        else:
            out[key] = str(value)
    return out


def newest_for(
    session: Session, installation_id: int, records: Sequence[RecordKey]
) -> dict[RecordKey, ScoreRow]:
    """Each record's newest stored score: one indexed query per object type (the index leads with
    installation, object type, record id; without the object type it would scan)."""
    by_type: dict[str, set[str]] = {}
    for object_type, record_id in records:
        by_type.setdefault(object_type, set()).add(record_id)
    out: dict[RecordKey, ScoreRow] = {}
    for object_type, ids in by_type.items():
        newest = (
            select(func.max(ScoreRow.id))
            .where(
                ScoreRow.installation_id == installation_id,
                ScoreRow.object_type == object_type,
                ScoreRow.record_id.in_(ids),
            )
            .group_by(ScoreRow.record_id)
        )
        for row in session.scalars(select(ScoreRow).where(ScoreRow.id.in_(newest))):
            out[(row.object_type, row.record_id)] = row
    return out


def newest_all(session: Session, installation_id: int) -> list[ScoreRow]:
    """The newest stored score of every record of the installation, oldest first."""
    newest = (
        select(func.max(ScoreRow.id))
        .where(ScoreRow.installation_id == installation_id)
        .group_by(ScoreRow.object_type, ScoreRow.record_id)
    )
    return list(session.scalars(select(ScoreRow).where(ScoreRow.id.in_(newest)).order_by(ScoreRow.id)))


def same_score(stored: ScoreRow | None, new: NewScore, points: Callable[[float], object] = round) -> bool:
    """Equal as leadq shows and writes them: tier, verdict, fit and engagement as ``points`` turns
    them into whole points, probability to 4 places, model version and reasons."""
    if stored is None:
        return False

    def rounded(p: float | None) -> float | None:
        return None if p is None else round(p, 4)

    return (
        stored.tier == new.tier
        and stored.verdict == new.verdict
        and points(stored.fit) == points(new.fit)
        and points(stored.engagement) == points(new.engagement)
        and rounded(stored.probability) == rounded(new.probability)
        and stored.model_version == new.model_version
        and [list(r) for r in stored.reasons or []] == [list(r) for r in new.reasons]
    )


def add(session: Session, installation_id: int, new: NewScore) -> None:
    session.add(
        ScoreRow(
            installation_id=installation_id,
            object_type=new.object_type,
            record_id=new.record_id,
            record_version=new.record_version,
            fit=new.fit,
            engagement=new.engagement,
            probability=new.probability,
            tier=new.tier,
            verdict=new.verdict,
            confidence=new.confidence,
            reasons=new.reasons,
            model_version=new.model_version,
            scored_at=new.scored_at,
            last_engaged_at=new.last_engaged_at,
            priority=new.priority,
            inputs=new.inputs if new.inputs is not None else null(),  # SQL NULL, not JSON null
        )
    )
