"""What the admin pages read about an installation's leads: its change-event backlog, the newest
score of each record (counts by tier, the searchable list) and one record's full story.

Read only. Every query is scoped to one installation; the caller checks the admin may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.statuses import EventStatus
from storage.tables import DeadLetter, Feedback, LedgerEntry, ProcessedEvent, RoutingDecisionRow, ScoreRow

TIERS = ("L1", "L2", "L3", "L4")
STORY_LIMIT = 100  # scores and ledger writes shown on one record's page


def queued_changes(session: Session, installation_id: int) -> int:
    """Change events received and not yet handled."""
    stmt = (
        select(func.count())
        .select_from(ProcessedEvent)
        .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == EventStatus.QUEUED)
    )
    return session.scalar(stmt) or 0


def last_change_handled(session: Session, installation_id: int) -> datetime | None:
    """When the newest change event that was handled was received."""
    stmt = select(func.max(ProcessedEvent.received_at)).where(
        ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == EventStatus.DONE
    )
    return session.scalar(stmt)


def scored_records(session: Session, installation_id: int) -> int:
    """How many distinct records have a score."""
    stmt = select(func.count(func.distinct(ScoreRow.record_id))).where(
        ScoreRow.installation_id == installation_id
    )
    return session.scalar(stmt) or 0


def tier_counts(session: Session, installation_id: int) -> list[tuple[str, str, int]]:
    """(object type, tier, records) over each record's newest score, by object type then tier."""
    latest = (
        select(func.max(ScoreRow.id).label("newest"))
        .where(ScoreRow.installation_id == installation_id)
        .group_by(ScoreRow.object_type, ScoreRow.record_id)
        .subquery()
    )
    stmt = (
        select(ScoreRow.object_type, ScoreRow.tier, func.count())
        .join(latest, ScoreRow.id == latest.c.newest)
        .group_by(ScoreRow.object_type, ScoreRow.tier)
        .order_by(ScoreRow.object_type, ScoreRow.tier)
    )
    return [(object_type, tier, n) for object_type, tier, n in session.execute(stmt).all()]


def leads_page(session: Session, installation_id: int, prefix: str, tier: str, limit: int) -> list[ScoreRow]:
    """Each record's newest score, likeliest first; ``prefix`` narrows by record id, ``tier`` (one of
    ``TIERS``, anything else means all) by tier."""
    latest = (
        select(func.max(ScoreRow.id))
        .where(ScoreRow.installation_id == installation_id)
        .group_by(ScoreRow.object_type, ScoreRow.record_id)
    )
    query = select(ScoreRow).where(ScoreRow.id.in_(latest))
    if prefix:
        query = query.where(ScoreRow.record_id.startswith(prefix, autoescape=True))
    if tier in TIERS:
        query = query.where(ScoreRow.tier == tier)
    return list(
        session.scalars(query.order_by(ScoreRow.probability.desc(), ScoreRow.fit.desc()).limit(limit))
    )


@dataclass(frozen=True)
class LeadStory:
    """Everything leadq did with one record, newest first in each list."""

    scores: list[ScoreRow]
    decisions: list[RoutingDecisionRow]
    ledger: list[LedgerEntry]
    feedback: list[Feedback]
    failures: list[DeadLetter]


def lead_story(session: Session, installation_id: int, object_type: str, record_id: str) -> LeadStory:
    where = {"installation_id": installation_id, "object_type": object_type, "record_id": record_id}
    return LeadStory(
        scores=list(
            session.scalars(
                select(ScoreRow).filter_by(**where).order_by(ScoreRow.id.desc()).limit(STORY_LIMIT)
            )
        ),
        decisions=list(
            session.scalars(
                select(RoutingDecisionRow).filter_by(**where).order_by(RoutingDecisionRow.id.desc())
            )
        ),
        ledger=list(
            session.scalars(
                select(LedgerEntry).filter_by(**where).order_by(LedgerEntry.id.desc()).limit(STORY_LIMIT)
            )
        ),
        feedback=list(session.scalars(select(Feedback).filter_by(**where).order_by(Feedback.id.desc()))),
        failures=list(session.scalars(select(DeadLetter).filter_by(**where).order_by(DeadLetter.id.desc()))),
    )
