"""What ``leadq demo`` reads back to follow its run and write its summary: the backfill's cursors,
the first model and reconcile run, and the counts of scores, write-backs and routed records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.tables import LedgerEntry, ModelVersion, ReconcileRun, RoutingDecisionRow, ScoreRow, SyncCursor


def first_model(session: Session, installation_id: int) -> ModelVersion | None:
    """The first model version trained for the installation, whatever became of it."""
    return session.scalars(
        select(ModelVersion).where(ModelVersion.installation_id == installation_id)
    ).first()


def first_reconcile(session: Session, installation_id: int) -> ReconcileRun | None:
    return session.scalars(
        select(ReconcileRun).where(ReconcileRun.installation_id == installation_id)
    ).first()


def backfill_cursors(session: Session, installation_id: int) -> dict[str, SyncCursor]:
    """The backfill's cursor per object type (people first, then their accounts)."""
    rows = session.scalars(
        select(SyncCursor).where(SyncCursor.installation_id == installation_id, SyncCursor.name == "backfill")
    )
    return {row.object_type: row for row in rows}


@dataclass(frozen=True)
class Outcome:
    """What a run left in the database: each record's newest score counted by object type and tier,
    the records written back per object type, and the records routed to a rep."""

    scored: list[tuple[str, str, int]]
    written: dict[str, int]
    routed: int


def outcome(session: Session, installation_id: int) -> Outcome:
    newest = (
        select(func.max(ScoreRow.id))
        .where(ScoreRow.installation_id == installation_id)
        .group_by(ScoreRow.object_type, ScoreRow.record_id)
    )
    scored = session.execute(
        select(ScoreRow.object_type, ScoreRow.tier, func.count())
        .where(ScoreRow.id.in_(newest))
        .group_by(ScoreRow.object_type, ScoreRow.tier)
    ).all()
    written = session.execute(
        select(LedgerEntry.object_type, func.count(func.distinct(LedgerEntry.record_id)))
        .where(LedgerEntry.installation_id == installation_id)
        .group_by(LedgerEntry.object_type)
    ).all()
    routed = session.scalar(
        select(func.count())
        .select_from(RoutingDecisionRow)
        .where(
            RoutingDecisionRow.installation_id == installation_id, RoutingDecisionRow.owner_id.is_not(None)
        )
    )
    return Outcome(
        [(str(obj), str(tier), int(n)) for obj, tier, n in scored],
        {str(obj): int(n) for obj, n in written},
        int(routed or 0),
    )
