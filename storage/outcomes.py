"""Outcomes kept in leadq's store: each record's newest won/lost outcome, as the CRM told leadq's last
outcome read, so monitoring joins them with the scores without calling the CRM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.stamps import aware
from storage.tables import OutcomeRow, utcnow

KINDS = ("won", "lost")
CHUNK = 500


@dataclass(frozen=True, slots=True)
class NewOutcome:
    object_type: str
    record_id: str
    kind: str  # won | lost
    occurred_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        return (self.object_type, self.record_id)


def newest_per_record(outcomes: Iterable[NewOutcome]) -> dict[tuple[str, str], NewOutcome]:
    """Each record's newest outcome (a record with several deals: the most recent decides)."""
    out: dict[tuple[str, str], NewOutcome] = {}
    for o in outcomes:
        if o.kind not in KINDS:
            raise ValueError(f"outcome kind {o.kind!r} is not one of {', '.join(KINDS)}")
        current = out.get(o.key)
        if current is None or aware(o.occurred_at) > aware(current.occurred_at):
            out[o.key] = o
    return out


def upsert(session: Session, installation_id: int, outcomes: Iterable[NewOutcome]) -> int:
    """Store each record's outcome; a stored one is replaced only by a newer (or equally new) one.
    Returns how many rows were added or changed."""
    newest = newest_per_record(outcomes)
    by_type: dict[str, list[str]] = {}
    for object_type, record_id in newest:
        by_type.setdefault(object_type, []).append(record_id)
    changed = 0
    now = utcnow()
    for object_type, ids in by_type.items():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            stored = {
                row.record_id: row
                for row in session.scalars(
                    select(OutcomeRow).where(
                        OutcomeRow.installation_id == installation_id,
                        OutcomeRow.object_type == object_type,
                        OutcomeRow.record_id.in_(chunk),
                    )
                )
            }
            for record_id in chunk:
                new, row = newest[(object_type, record_id)], stored.get(record_id)
                if row is None:
                    session.add(
                        OutcomeRow(
                            installation_id=installation_id,
                            object_type=object_type,
                            record_id=record_id,
                            kind=new.kind,
                            occurred_at=new.occurred_at,
                            recorded_at=now,
                        )
                    )
                    changed += 1
                elif aware(new.occurred_at) >= aware(row.occurred_at) and (
                    row.kind != new.kind or aware(row.occurred_at) != aware(new.occurred_at)
                ):
                    row.kind, row.occurred_at, row.recorded_at = new.kind, new.occurred_at, now
                    changed += 1
    session.flush()
    return changed


def all_for(session: Session, installation_id: int) -> list[OutcomeRow]:
    """Every stored outcome of the installation, by record."""
    return list(
        session.scalars(
            select(OutcomeRow)
            .where(OutcomeRow.installation_id == installation_id)
            .order_by(OutcomeRow.object_type, OutcomeRow.record_id)
        )
    )
