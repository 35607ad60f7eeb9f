"""Retention: keep the tables of a busy CRM from growing without end.

Every change leaves a processed event, every scoring a score row, every routing a decision. Past
``keep_days`` leadq keeps only what it still uses: each record's newest score and newest routing
decision (the lead page, "conversion by tier", rerouting), and no processed event younger than
the CRMs' redelivery windows (HubSpot retries for up to 3 days; leadq keeps 7 at least), so a late
redelivery is still recognised as a duplicate. Unprocessed events are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from storage.tables import ProcessedEvent, RoutingDecisionRow, ScoreRow

MIN_EVENT_DAYS = 7


@dataclass(frozen=True, slots=True)
class Pruned:
    events: int
    scores: int
    routing_decisions: int


def _keep_newest(
    session: Session,
    table: type[ScoreRow] | type[RoutingDecisionRow],
    stamp: InstrumentedAttribute[datetime],
    cutoff: datetime,
    installation: int | None,
) -> int:
    newest = (
        select(func.max(table.id))
        .group_by(table.installation_id, table.object_type, table.record_id)
        .scalar_subquery()
    )
    statement = delete(table).where(stamp < cutoff, table.id.not_in(newest))
    if installation is not None:
        statement = statement.where(table.installation_id == installation)
    done = session.execute(statement.execution_options(synchronize_session=False))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult


def prune(
    sessions: sessionmaker[Session],
    keep_days: int,
    installation: int | None = None,
    now: datetime | None = None,
) -> Pruned:
    """Delete what is older than ``keep_days`` and no longer used; returns how many rows went."""
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=keep_days)
    event_cutoff = now - timedelta(days=max(keep_days, MIN_EVENT_DAYS))
    with sessions.begin() as session:
        events = delete(ProcessedEvent).where(
            ProcessedEvent.status == "done", ProcessedEvent.received_at < event_cutoff
        )
        if installation is not None:
            events = events.where(ProcessedEvent.installation_id == installation)
        done = session.execute(events.execution_options(synchronize_session=False))
        gone_events = int(done.rowcount or 0)  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult
        gone_scores = _keep_newest(session, ScoreRow, ScoreRow.scored_at, cutoff, installation)
        gone_routing = _keep_newest(
            session, RoutingDecisionRow, RoutingDecisionRow.decided_at, cutoff, installation
        )
    return Pruned(gone_events, gone_scores, gone_routing)
