"""The counts an operator watches (``GET /metrics``): across all installations, no record's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.cursors import running_backfills
from storage.statuses import EventStatus
from storage.tables import DeadLetter, Installation, ProcessedEvent


@dataclass(frozen=True)
class Figures:
    installations: dict[str, int]  # status -> installations
    events: dict[str, int]  # status -> change events
    oldest_queued: datetime | None  # when the oldest change still waiting was received
    dead_letters: int  # open ones: one per failing record
    running_backfills: list[tuple[int, int | None]]  # (done, total) of each backfill in progress


def figures(session: Session) -> Figures:
    installations = session.execute(select(Installation.status, func.count()).group_by(Installation.status))
    events = session.execute(select(ProcessedEvent.status, func.count()).group_by(ProcessedEvent.status))
    oldest = session.scalar(
        select(func.min(ProcessedEvent.received_at)).where(ProcessedEvent.status == EventStatus.QUEUED)
    )
    dead = session.scalar(
        select(func.count()).select_from(DeadLetter).where(DeadLetter.resolved_at.is_(None))
    )
    return Figures(
        installations=dict(installations.all()),
        events=dict(events.all()),
        oldest_queued=oldest,
        dead_letters=dead or 0,
        running_backfills=running_backfills(session),
    )
