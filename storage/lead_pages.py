"""What the admin pages read about an installation's leads: its change-event backlog, the newest
score of each record (counts by tier, the searchable list) and one record's full story.

Read only. Every query is scoped to one installation; the caller checks the admin may see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from storage.statuses import EventStatus
from storage.tables import (
    DeadLetter,
    Feedback,
    LeadDirectoryRow,
    LedgerEntry,
    ProcessedEvent,
    RoutingDecisionRow,
    ScoreRow,
)

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


SORTS = ("name", "company", "owner", "tier", "verdict", "score", "scored")
PAGE_SIZE = 50


@dataclass(frozen=True)
class LeadQuery:
    """One page of the Leads list. The caller validates: ``tier`` one of ``TIERS`` or "", ``verdict`` a
    stored verdict or "", ``owner`` an owner id, ``NO_OWNER`` or "", ``sort`` one of ``SORTS``."""

    q: str = ""  # part of the name, e-mail, company or domain, or the start of the record id
    object_types: tuple[str, ...] = ()  # (): people and companies/accounts alike
    tier: str = ""
    verdict: str = ""
    owner: str = ""
    sort: str = "score"
    descending: bool = True
    page: int = 1  # from 1
    size: int = PAGE_SIZE


NO_OWNER = "none"


@dataclass(frozen=True)
class LeadRow:
    score: ScoreRow  # the record's newest score
    who: LeadDirectoryRow | None  # None: scored before leadq kept names


@dataclass(frozen=True)
class LeadsPage:
    rows: list[LeadRow]
    total: int  # records matching, over all pages


def _blank_last(column: Any) -> Any:
    return func.coalesce(column, "") == ""


def _order(sort: str, descending: bool) -> list[Any]:
    """The sort's columns, then the score row's id: a stable order however many rows tie."""
    columns: dict[str, list[Any]] = {
        "name": [LeadDirectoryRow.name],
        "company": [LeadDirectoryRow.company],
        "owner": [LeadDirectoryRow.owner_name, LeadDirectoryRow.owner_id],
        "tier": [ScoreRow.tier],
        "verdict": [ScoreRow.verdict],
        "score": [ScoreRow.probability, ScoreRow.fit],
        "scored": [ScoreRow.scored_at],
    }
    chosen = columns[sort]
    blanks = [_blank_last(chosen[0])] if sort in ("name", "company", "owner") else []  # unknown: last
    if sort == "score":  # a disqualified lead shows no score ("-"): last, like a blank, either way
        blanks = [ScoreRow.verdict == "disqualified"]
    keyed = [c.desc().nulls_last() if descending else c.asc().nulls_last() for c in chosen]
    tie = ScoreRow.id.desc() if descending else ScoreRow.id.asc()
    return [*blanks, *keyed, tie]


def _filtered(installation_id: int, query: LeadQuery) -> Select[ScoreRow, LeadDirectoryRow]:
    latest = (
        select(func.max(ScoreRow.id).label("id"))
        .where(ScoreRow.installation_id == installation_id)
        .group_by(ScoreRow.object_type, ScoreRow.record_id)
        .subquery()
    )
    stmt = (
        select(ScoreRow, LeadDirectoryRow)
        .join(latest, ScoreRow.id == latest.c.id)
        .outerjoin(
            LeadDirectoryRow,
            and_(
                LeadDirectoryRow.installation_id == installation_id,
                LeadDirectoryRow.object_type == ScoreRow.object_type,
                LeadDirectoryRow.record_id == ScoreRow.record_id,
            ),
        )
    )
    if query.q:
        text = query.q
        stmt = stmt.where(
            or_(
                ScoreRow.record_id.startswith(text, autoescape=True),
                *(
                    column.icontains(text, autoescape=True)
                    for column in (
                        LeadDirectoryRow.name,
                        LeadDirectoryRow.email,
                        LeadDirectoryRow.company,
                        LeadDirectoryRow.domain,
                    )
                ),
            )
        )
    if query.object_types:
        stmt = stmt.where(ScoreRow.object_type.in_(query.object_types))
    if query.tier:
        stmt = stmt.where(ScoreRow.tier == query.tier)
    if query.verdict:
        stmt = stmt.where(ScoreRow.verdict == query.verdict)
    if query.owner == NO_OWNER:
        stmt = stmt.where(func.coalesce(LeadDirectoryRow.owner_id, "") == "")
    elif query.owner:
        stmt = stmt.where(LeadDirectoryRow.owner_id == query.owner)
    return stmt


def leads_page(session: Session, installation_id: int, query: LeadQuery) -> LeadsPage:
    """One page of each record's newest score with who the record is: one query for the page and
    one for the total."""
    stmt = _filtered(installation_id, query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    offset = max(query.page - 1, 0) * query.size
    page = stmt.order_by(*_order(query.sort, query.descending)).offset(offset).limit(query.size)
    return LeadsPage([LeadRow(score, who) for score, who in session.execute(page).all()], total)


def owners(session: Session, installation_id: int) -> dict[str, str]:
    """Owner id -> name ("" where leadq never learnt it) of the installation's scored records."""
    stmt = (
        select(LeadDirectoryRow.owner_id, func.max(LeadDirectoryRow.owner_name))
        .where(LeadDirectoryRow.installation_id == installation_id, LeadDirectoryRow.owner_id != "")
        .group_by(LeadDirectoryRow.owner_id)
    )
    return {owner_id: name or "" for owner_id, name in session.execute(stmt).all()}


def directory_entry(
    session: Session, installation_id: int, object_type: str, record_id: str
) -> LeadDirectoryRow | None:
    return session.scalar(
        select(LeadDirectoryRow).filter_by(
            installation_id=installation_id, object_type=object_type, record_id=record_id
        )
    )


@dataclass(frozen=True)
class LeadStory:
    """Everything leadq did with one record, newest first in each list."""

    scores: list[ScoreRow]
    decisions: list[RoutingDecisionRow]
    ledger: list[LedgerEntry]
    feedback: list[Feedback]
    failures: list[DeadLetter]

    @property
    def empty(self) -> bool:
        """leadq never scored, routed or wrote the record: there is no such lead to show."""
        return not (self.scores or self.decisions or self.ledger or self.feedback or self.failures)


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


def written(
    session: Session, installation_id: int, keys: Sequence[tuple[str, str]], field_keys: Sequence[str]
) -> list[LedgerEntry]:
    """What leadq last wrote into these fields of these records (one query; a page's rows)."""
    if not keys:
        return []
    return list(
        session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.installation_id == installation_id,
                tuple_(LedgerEntry.object_type, LedgerEntry.record_id).in_(list(keys)),
                LedgerEntry.field_key.in_(list(field_keys)),
            )
        )
    )
