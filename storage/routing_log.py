"""The routing audit log: every decision with its path, and the status of each assignment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.types import Decision
from storage.tables import RoutingDecisionRow


def record(
    session: Session,
    installation_id: int,
    object_type: str,
    record_id: str,
    decision: Decision,
    previous_owner_id: str | None = None,
    decided_at: datetime | None = None,
) -> RoutingDecisionRow:
    """``decided_at``: the clock the decision was made on (default: now)."""
    row = RoutingDecisionRow(
        installation_id=installation_id,
        object_type=object_type,
        record_id=record_id,
        owner_id=decision.owner_id,
        queue=decision.queue,
        rule=decision.rule,
        path=list(decision.path),
        previous_owner_id=previous_owner_id,
        sla_due=decision.sla_due,
        status="assigned" if decision.owner_id else "parked",
    )
    if decided_at is not None:
        row.decided_at = decided_at
    session.add(row)
    session.flush()
    return row


def latest(
    session: Session, installation_id: int, object_type: str, record_id: str
) -> RoutingDecisionRow | None:
    return session.scalars(
        select(RoutingDecisionRow)
        .where(
            RoutingDecisionRow.installation_id == installation_id,
            RoutingDecisionRow.object_type == object_type,
            RoutingDecisionRow.record_id == record_id,
        )
        .order_by(RoutingDecisionRow.decided_at.desc(), RoutingDecisionRow.id.desc())
    ).first()


def open_assignments(
    session: Session, installation_id: int, owner_id: str | None = None
) -> list[RoutingDecisionRow]:
    stmt = select(RoutingDecisionRow).where(
        RoutingDecisionRow.installation_id == installation_id, RoutingDecisionRow.status == "assigned"
    )
    if owner_id is not None:
        stmt = stmt.where(RoutingDecisionRow.owner_id == owner_id)
    return list(session.scalars(stmt.order_by(RoutingDecisionRow.id)))


def set_status(session: Session, row_id: int, status: str) -> None:
    row = session.get(RoutingDecisionRow, row_id)
    if row is None:
        raise LookupError(f"no routing decision {row_id}")
    row.status = status
    session.flush()
