"""Keep the existing preview across a button that could not start its task.

"Preview backfill" and Save clear the installation's preview rows and then send a task; when the
broker is down they answer 503 ("nothing was started" / "Not saved"), so the rows they cleared are
put back as they were: a 503 changes nothing, and a finished preview can still be approved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import SyncCursor

COLUMNS = ("id", "installation_id", "object_type", "name", "cursor", "status", "done", "total", "started_at")


def _rows(db: Session, installation_id: int) -> list[SyncCursor]:
    return list(
        db.scalars(
            select(SyncCursor).where(
                SyncCursor.installation_id == installation_id, SyncCursor.name == "preview"
            )
        )
    )


def take(db: Session, installation_id: int) -> list[dict[str, Any]]:
    """The installation's preview rows as they are now (read before clearing them)."""
    return [{c: getattr(row, c) for c in COLUMNS} for row in _rows(db, installation_id)]


def put_back(db: Session, installation_id: int, snapshot: list[dict[str, Any]]) -> bool:
    """Restore the rows of ``snapshot``, unless a preview has made progress since they were cleared
    (then that newer one stays). Returns whether they were restored."""
    now = _rows(db, installation_id)
    if any(row.done or row.cursor or row.status != "idle" for row in now):
        return False
    for row in now:
        db.delete(row)
    db.flush()
    for values in snapshot:
        db.add(SyncCursor(**{**values, "cursor": dict(values["cursor"] or {})}))
    db.flush()
    return True
