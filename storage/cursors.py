"""Sync cursors: the checkpoints of backfills, previews and the poller, and the preview they add up.

One row per installation, object type and name (``backfill``, ``preview``, ``poll``). A backfill
stores its checkpoint after every page; a preview (a dry-run backfill) also adds up, per field, what
it would write and keeps a few sample records. The admin pages read the same rows for their progress
bars and for the preview that Approve makes live.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.statuses import CursorStatus
from storage.tables import SyncCursor

BACKFILL = "backfill"
PREVIEW = "preview"
POLL = "poll"
SAMPLES_KEPT = 5  # sample records a preview keeps
MIXED = "mixed"  # pages computed from more than one configuration: no Approve can match it
SNAPSHOT_COLUMNS = (
    "id",
    "installation_id",
    "object_type",
    "name",
    "cursor",
    "status",
    "done",
    "total",
    "started_at",
)


@dataclass(frozen=True)
class Checkpoint:
    """Where a backfill or preview stands: the CRM's cursor (``after``), records done, total, status."""

    cursor: dict[str, Any]
    done: int
    total: int | None
    status: str


def cursor_row(session: Session, installation_id: int, object_type: str, name: str) -> SyncCursor:
    """The named cursor of this installation and object (backfill, preview, poll), created idle."""
    row = _existing(session, installation_id, object_type, name)
    if row is None:
        row = SyncCursor(
            installation_id=installation_id,
            object_type=object_type,
            name=name,
            cursor={},
            status=CursorStatus.IDLE,
            done=0,
        )
        session.add(row)
        session.flush()
    return row


def _existing(session: Session, installation_id: int, object_type: str, name: str) -> SyncCursor | None:
    return session.scalars(
        select(SyncCursor).where(
            SyncCursor.installation_id == installation_id,
            SyncCursor.object_type == object_type,
            SyncCursor.name == name,
        )
    ).one_or_none()


def read(session: Session, installation_id: int, object_type: str, name: str) -> Checkpoint:
    row = cursor_row(session, installation_id, object_type, name)
    return Checkpoint(dict(row.cursor), row.done, row.total, row.status)


def start_over(
    session: Session,
    installation_id: int,
    object_type: str,
    name: str,
    config: str | None,
    total: int | None,
    keep_cancelled: bool = True,
) -> Checkpoint:
    """Begin from the first page, recording the configuration hash the pages are computed from.
    A preview an admin cancelled stays cancelled (its status says so) unless ``keep_cancelled`` is
    False (an explicit restart)."""
    row = cursor_row(session, installation_id, object_type, name)
    values = {
        "cursor": {"config": config},
        "done": 0,
        "status": CursorStatus.RUNNING,
        "started_at": datetime.now(UTC),
        "total": total,
    }
    if not keep_cancelled:
        row.status = CursorStatus.IDLE
    if not _unless_cancelled(session, row, values):
        return Checkpoint(dict(row.cursor), row.done, row.total, CursorStatus.CANCELLED)
    return Checkpoint({"config": config}, 0, total, CursorStatus.RUNNING)


def _unless_cancelled(session: Session, row: SyncCursor, values: dict[str, Any]) -> bool:
    """Store ``values`` on the row unless an admin cancelled it (a conditional update, so a cancel
    that lands while a task handles a page is never overwritten). False: it is cancelled."""
    if row.status == CursorStatus.CANCELLED:
        return False
    moved = session.execute(
        update(SyncCursor)
        .where(SyncCursor.id == row.id, SyncCursor.status != CursorStatus.CANCELLED)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]  # a DML result has a rowcount


def checkpoint(
    session: Session,
    installation_id: int,
    object_type: str,
    name: str,
    *,
    after: str | None,
    done: int,
    config: str | None,
    actions: Mapping[tuple[str, str], int] | None = None,
    samples: Iterable[dict[str, Any]] = (),
) -> str:
    """Store the page just handled: resume starts after it. ``actions`` (a preview's (field, action)
    counts) and ``samples`` are added to the preview's; without ``actions`` no preview is kept.
    ``config`` is the hash of the configuration this page was computed from: a cursor started from
    another one is marked ``MIXED``. Returns the new status (done once there is no next page;
    cancelled, with nothing stored, when an admin cancelled or discarded the preview meanwhile)."""
    row = _existing(session, installation_id, object_type, name)
    if row is None or row.status == CursorStatus.CANCELLED:
        return CursorStatus.CANCELLED
    preview = {key: dict(counts) for key, counts in (row.cursor.get("preview") or {}).items()}
    kept: list[dict[str, Any]] = []
    if actions is not None:
        for (key, action), count in actions.items():
            add_counts(preview, key, {action: count})
        kept = list(row.cursor.get("samples") or [])
        kept.extend(list(samples)[: max(0, SAMPLES_KEPT - len(kept))])
    recorded = row.cursor.get("config")
    status = CursorStatus.RUNNING if after else CursorStatus.DONE
    stored = {
        "after": after,
        "preview": preview,
        "samples": kept,
        "config": recorded if recorded == config else MIXED,
    }
    if not _unless_cancelled(session, row, {"cursor": stored, "done": done, "status": status}):
        return CursorStatus.CANCELLED
    return status


def add_counts(fields: dict[str, dict[str, int]], key: str, counts: Mapping[str, int]) -> None:
    """Add one field's per-action counts into a preview's ``{field: {action: count}}``."""
    for action, count in counts.items():
        fields.setdefault(key, {}).setdefault(action, 0)
        fields[key][action] += count


def preview_of(
    session: Session, installation_id: int, object_type: str, name: str = PREVIEW
) -> dict[str, Any]:
    """One object's preview as the CLI prints it (created idle if there is none)."""
    row = cursor_row(session, installation_id, object_type, name)
    return {
        "status": row.status,
        "done": row.done,
        "total": row.total,
        "fields": row.cursor.get("preview") or {},
        "samples": row.cursor.get("samples") or [],
    }


@dataclass(frozen=True)
class PreviewTotals:
    """An installation's preview over all its objects, as the Sync page and Approve read it."""

    rows: list[SyncCursor]  # one per object previewed
    fields: list[tuple[str, dict[str, int]]]  # (field, {action: count}), by field
    samples: list[dict[str, Any]]  # up to 3 per object, 5 in all
    configs: list[Any]  # the configuration hash each object's pages were computed from


def preview_totals(session: Session, installation_id: int) -> PreviewTotals | None:
    """The installation's preview added up over its objects; None when there is none."""
    rows = named(session, installation_id, PREVIEW)
    if not rows:
        return None
    fields: dict[str, dict[str, int]] = {}
    samples: list[dict[str, Any]] = []
    for row in rows:
        for key, actions in (row.cursor.get("preview") or {}).items():
            add_counts(fields, key, actions)
        samples += (row.cursor.get("samples") or [])[:3]
    return PreviewTotals(
        rows, sorted(fields.items()), samples[:SAMPLES_KEPT], [r.cursor.get("config") for r in rows]
    )


def named(session: Session, installation_id: int, name: str) -> list[SyncCursor]:
    """The installation's cursors of one name (one per object type)."""
    stmt = select(SyncCursor).where(SyncCursor.installation_id == installation_id, SyncCursor.name == name)
    return list(session.scalars(stmt))


def progress_rows(session: Session, installation_id: int) -> list[SyncCursor]:
    """The backfill and preview cursors the Sync page shows, oldest first."""
    stmt = (
        select(SyncCursor)
        .where(SyncCursor.installation_id == installation_id, SyncCursor.name.in_((BACKFILL, PREVIEW)))
        .order_by(SyncCursor.id)
    )
    return list(session.scalars(stmt))


def running_backfills(session: Session) -> list[tuple[int, int | None]]:
    """(done, total) of every backfill in progress, all installations."""
    stmt = select(SyncCursor.done, SyncCursor.total).where(
        SyncCursor.name == BACKFILL, SyncCursor.status == CursorStatus.RUNNING
    )
    return [(done, total) for done, total in session.execute(stmt).all()]


@dataclass(frozen=True, slots=True)
class RunningBackfill:
    cursor_id: int
    installation_id: int
    name: str  # backfill or preview
    object_type: str
    updated_at: datetime  # as stored: what ``claim_stalled`` compares against

    @property
    def updated_utc(self) -> datetime:
        return self.updated_at if self.updated_at.tzinfo else self.updated_at.replace(tzinfo=UTC)


def running_runs(session: Session) -> list[RunningBackfill]:
    """Every backfill and preview in progress, all installations."""
    rows = session.scalars(
        select(SyncCursor).where(
            SyncCursor.name.in_((BACKFILL, PREVIEW)), SyncCursor.status == CursorStatus.RUNNING.value
        )
    )
    return [RunningBackfill(r.id, r.installation_id, r.name, r.object_type, r.updated_at) for r in rows]


def claim_stalled(session: Session, run: RunningBackfill, now: datetime) -> bool:
    """Reset a stalled run's clock to ``now`` unless someone moved it since it was read: True for the
    one caller (of several watchdogs at once) that reports it."""
    claimed = session.execute(
        update(SyncCursor)
        .where(SyncCursor.id == run.cursor_id, SyncCursor.updated_at == run.updated_at)
        .values(updated_at=now)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult


def clear_previews(session: Session, installation_id: int) -> None:
    """Empty the installation's preview rows (idle, nothing counted) before a new preview runs."""
    for row in named(session, installation_id, PREVIEW):
        row.status, row.cursor, row.done = CursorStatus.IDLE, {}, 0


def request_previews(session: Session, installation_id: int, object_types: Iterable[str]) -> None:
    """A preview was asked for: one idle row per object it will visit, stamped now, so that a page
    can tell a preview waiting for a worker from one no worker has picked up."""
    now = datetime.now(UTC)
    for object_type in object_types:
        row = cursor_row(session, installation_id, object_type, PREVIEW)
        row.status, row.cursor, row.done, row.updated_at = CursorStatus.IDLE, {}, 0, now


def cancel_previews(session: Session, installation_id: int, object_types: Iterable[str]) -> int:
    """Stop the installation's unfinished preview: every object not done yet is marked cancelled (a
    task handling one stops at its next page; the objects after it never start). Returns how many
    were cancelled: 0 when there was no preview or it had finished."""
    if not named(session, installation_id, PREVIEW):
        return 0
    for object_type in object_types:  # objects not reached yet get their (cancelled) row too
        cursor_row(session, installation_id, object_type, PREVIEW)
    cancelled = session.execute(
        update(SyncCursor)
        .where(
            SyncCursor.installation_id == installation_id,
            SyncCursor.name == PREVIEW,
            SyncCursor.status.in_((CursorStatus.IDLE, CursorStatus.RUNNING)),
        )
        .values(status=CursorStatus.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    return int(cancelled.rowcount)  # type: ignore[attr-defined]  # a DML result has a rowcount


def delete_previews(session: Session, installation_id: int) -> None:
    for row in named(session, installation_id, PREVIEW):
        session.delete(row)


def restart_backfills(session: Session, installation_id: int) -> dict[int, str]:
    """Set the installation's backfills idle (start over, not resume); returns each row's status before."""
    before: dict[int, str] = {}
    for row in named(session, installation_id, BACKFILL):
        before[row.id], row.status = row.status, CursorStatus.IDLE
    return before


def restore_statuses(session: Session, statuses: Mapping[int, str]) -> None:
    """Undo ``restart_backfills`` for the rows no task has started since."""
    for row_id, status in statuses.items():
        if (row := session.get(SyncCursor, row_id)) is not None and row.status == CursorStatus.IDLE:
            row.status = status


def take_previews(session: Session, installation_id: int) -> list[dict[str, Any]]:
    """The installation's preview rows as they are now (read before clearing them)."""
    return [
        {c: getattr(row, c) for c in SNAPSHOT_COLUMNS} for row in named(session, installation_id, PREVIEW)
    ]


def put_back_previews(session: Session, installation_id: int, snapshot: list[dict[str, Any]]) -> bool:
    """Restore the rows of ``snapshot``, unless a preview has made progress since they were cleared
    (then that newer one stays). Returns whether they were restored."""
    now = named(session, installation_id, PREVIEW)
    if any(row.done or row.cursor or row.status != CursorStatus.IDLE for row in now):
        return False
    for row in now:
        session.delete(row)
    session.flush()
    for values in snapshot:
        session.add(SyncCursor(**{**values, "cursor": dict(values["cursor"] or {})}))
    session.flush()
    return True
