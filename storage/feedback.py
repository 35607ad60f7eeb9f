"""The reps' feedback (what ``storage.history`` records: a person's value over one leadq wrote, or a
rejected lead) as training reads it (``scoring.learning``), and how many leads were scored per tier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.records import ObjectType
from storage import scores
from storage.stamps import aware
from storage.tables import Feedback, LeadDirectoryRow, ScoreRow


@dataclass(frozen=True, slots=True)
class StoredFeedback:
    """One feedback row on a person (``scoring.learning.RepFeedback``)."""

    object_type: str  # contact | lead
    record_id: str
    kind: str  # override | rejected
    field_key: str
    leadq_value: str | None
    human_value: str | None
    at: datetime
    leadq_tier: str | None  # the tier of the person's newest score (None: never scored)


PEOPLE = (ObjectType.CONTACT.value, ObjectType.LEAD.value)
PIPELINE_LEAD = ObjectType.PIPELINE_LEAD.value


def _contacts_of(session: Session, installation_id: int, lead_ids: set[str]) -> dict[str, str]:
    """A HubSpot Leads record's contact, as the lead directory last read it."""
    if not lead_ids:
        return {}
    rows = session.execute(
        select(LeadDirectoryRow.record_id, LeadDirectoryRow.person_id).where(
            LeadDirectoryRow.installation_id == installation_id,
            LeadDirectoryRow.object_type == PIPELINE_LEAD,
            LeadDirectoryRow.record_id.in_(lead_ids),
        )
    )
    return {record_id: person_id for record_id, person_id in rows if person_id}


def for_training(session: Session, installation_id: int) -> list[StoredFeedback]:
    """Every feedback row on a person, oldest first, with the tier of the person's newest score; a
    HubSpot Leads record's feedback as its contact's (left out while the directory does not know it)."""
    rows = list(
        session.scalars(
            select(Feedback)
            .where(
                Feedback.installation_id == installation_id,
                Feedback.object_type.in_((*PEOPLE, PIPELINE_LEAD)),
            )
            .order_by(Feedback.id)
        )
    )
    contacts = _contacts_of(
        session, installation_id, {r.record_id for r in rows if r.object_type == PIPELINE_LEAD}
    )
    people: list[tuple[str, str, Feedback]] = []
    for row in rows:
        if row.object_type != PIPELINE_LEAD:
            people.append((row.object_type, row.record_id, row))
        elif row.record_id in contacts:
            people.append((ObjectType.CONTACT.value, contacts[row.record_id], row))
    newest = scores.newest_for(session, installation_id, [(t, i) for t, i, _row in people])
    return [
        StoredFeedback(
            object_type=object_type,
            record_id=record_id,
            kind=row.kind,
            field_key=row.field_key,
            leadq_value=row.leadq_value,
            human_value=row.human_value,
            at=aware(row.created_at),
            leadq_tier=newest[(object_type, record_id)].tier if (object_type, record_id) in newest else None,
        )
        for object_type, record_id, row in people
    ]


def scored_by_tier(session: Session, installation_id: int) -> dict[str, int]:
    """Tier -> how many people's newest score is in it."""
    newest = (
        select(func.max(ScoreRow.id))
        .where(ScoreRow.installation_id == installation_id, ScoreRow.object_type.in_(PEOPLE))
        .group_by(ScoreRow.object_type, ScoreRow.record_id)
    )
    counts = session.execute(
        select(ScoreRow.tier, func.count()).where(ScoreRow.id.in_(newest)).group_by(ScoreRow.tier)
    )
    return {str(tier): int(n) for tier, n in counts}
