"""Reconciliation runs: each run's counts, examples and cost, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import ReconcileRun

StoredRun = ReconcileRun  # a stored run as the repository hands it out


def record(
    session: Session,
    installation_id: int,
    *,
    started_at: datetime,
    finished_at: datetime,
    checked: int,
    counts: dict[str, int],
    by_object: dict[str, dict[str, int]],
    examples: dict[str, list[dict[str, Any]]],
    api_calls: int,
    fixed: int,
    trigger: str,
) -> None:
    session.add(
        ReconcileRun(
            installation_id=installation_id,
            started_at=started_at,
            finished_at=finished_at,
            checked=checked,
            counts=counts,
            by_object=by_object,
            examples=examples,
            api_calls=api_calls,
            fixed=fixed,
            trigger=trigger,
        )
    )


def latest(session: Session, installation_id: int) -> ReconcileRun | None:
    """The installation's newest run, if it has one."""
    return session.scalars(
        select(ReconcileRun)
        .where(ReconcileRun.installation_id == installation_id)
        .order_by(ReconcileRun.id.desc())
    ).first()
