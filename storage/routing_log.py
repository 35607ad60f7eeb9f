"""The routing audit log: every decision with its path, and the status of each assignment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, null, select
from sqlalchemy.orm import Session

from routing.types import Decision
from storage.stamps import aware
from storage.statuses import DecisionStatus
from storage.tables import RoutingDecisionRow

StoredDecision = RoutingDecisionRow  # a logged decision as the repository hands it out


def record(
    session: Session,
    installation_id: int,
    object_type: str,
    record_id: str,
    decision: Decision,
    previous_owner_id: str | None = None,
    decided_at: datetime | None = None,
    status: DecisionStatus | None = None,
    probability: float | None = None,
    record_created_at: datetime | None = None,
) -> RoutingDecisionRow:
    """``decided_at``: the clock the decision was made on (default: now). ``status``: by default
    assigned (to a rep) or parked (in a queue). ``probability``: the record's calibrated probability
    when routed; ``record_created_at``: when the CRM created it. The decision's pool, candidate
    weights, multiplier and the lead's segment are kept as the round robin saw them (none outside a
    weighted pool). The row's id is known after the session's next flush (a query flushes too)."""
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
        status=status or (DecisionStatus.ASSIGNED if decision.owner_id else DecisionStatus.PARKED),
        pool=decision.pool,
        probability=probability,
        multiplier=decision.multiplier,
        weights={k: float(v) for k, v in decision.weights.items()} if decision.weights else null(),
        segment=decision.segment[:64] if decision.segment is not None else None,
        record_created_at=record_created_at,
    )
    if decided_at is not None:
        row.decided_at = decided_at
    session.add(row)  # inserted at the session's next flush, in one batch with the others
    return row


def mark_first_touch(session: Session, touched: Mapping[int, datetime]) -> None:
    """Record when a person first worked each decision's record after it was assigned (row id ->
    time); a time already stored is kept unless the new one is earlier."""
    for row_id, at in touched.items():
        row = session.get(RoutingDecisionRow, row_id)
        if row is None:
            continue
        current = row.first_touch_at
        if current is None or aware(current) > aware(at):
            row.first_touch_at = at
    session.flush()


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
        RoutingDecisionRow.installation_id == installation_id,
        RoutingDecisionRow.status == DecisionStatus.ASSIGNED,
    )
    if owner_id is not None:
        stmt = stmt.where(RoutingDecisionRow.owner_id == owner_id)
    return list(session.scalars(stmt.order_by(RoutingDecisionRow.id)))


def set_status(session: Session, row_id: int, status: DecisionStatus) -> None:
    row = session.get(RoutingDecisionRow, row_id)
    if row is None:
        raise LookupError(f"no routing decision {row_id}")
    row.status = status
    session.flush()


def newest_open_assignments(session: Session, installation_id: int) -> list[RoutingDecisionRow]:
    """The newest decision of each record where it is an open assignment to a rep (not a queue),
    detached from the session."""
    rows = open_assignments(session, installation_id)
    newest = newest_ids(session, installation_id)
    session.expunge_all()
    return [r for r in rows if r.queue is None and newest.get((r.object_type, r.record_id)) == r.id]


def newest_ids(session: Session, installation_id: int) -> dict[tuple[str, str], int]:
    """(object type, record id) -> the id of the record's newest decision."""
    rows = session.execute(
        select(
            RoutingDecisionRow.object_type,
            RoutingDecisionRow.record_id,
            func.max(RoutingDecisionRow.id).label("id"),
        )
        .where(RoutingDecisionRow.installation_id == installation_id)
        .group_by(RoutingDecisionRow.object_type, RoutingDecisionRow.record_id)
    )
    return {(r.object_type, r.record_id): r.id for r in rows}


def newest_owners(session: Session, installation_id: int) -> dict[tuple[str, str], str]:
    """The owner of leadq's newest routing decision of each record it assigned to a rep."""
    newest = (
        select(func.max(RoutingDecisionRow.id))
        .where(RoutingDecisionRow.installation_id == installation_id)
        .group_by(RoutingDecisionRow.object_type, RoutingDecisionRow.record_id)
    )
    rows = session.execute(
        select(
            RoutingDecisionRow.object_type, RoutingDecisionRow.record_id, RoutingDecisionRow.owner_id
        ).where(RoutingDecisionRow.id.in_(newest), RoutingDecisionRow.owner_id.is_not(None))
    )
    return {(o, r): owner for o, r, owner in rows if owner is not None}
