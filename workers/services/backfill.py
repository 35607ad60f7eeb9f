"""Backfill: every existing record through the same path, resumable, checkpointed per batch.

Streams pages (bounded memory), scores each page in bulk, writes at the API maximum,
and stores the cursor after every page: a killed worker resumes from the last
checkpoint, and because writes are diffs against the CRM and the ledger, a page
processed twice writes nothing the second time. ``dry_run`` writes nothing and
accumulates a preview instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from connector.base import Cursor
from core.records import Account, ObjectType, Person
from storage.tables import SyncCursor
from workers.services.accounts import score_accounts
from workers.services.context import InstallationContext
from workers.services.sync import BatchReport, process_people


@dataclass
class Progress:
    done: int
    total: int | None
    rate: float  # records per second in this run
    eta_s: float | None
    status: str


def cursor_row(session: Any, ctx: InstallationContext, obj: ObjectType, name: str) -> SyncCursor:
    """The named cursor of this installation and object (backfill, preview, poll), created idle."""
    row = session.scalars(
        select(SyncCursor).where(
            SyncCursor.installation_id == ctx.installation_id,
            SyncCursor.object_type == obj.value,
            SyncCursor.name == name,
        )
    ).one_or_none()
    if row is None:
        row = SyncCursor(
            installation_id=ctx.installation_id,
            object_type=obj.value,
            name=name,
            cursor={},
            status="idle",
            done=0,
        )
        session.add(row)
        session.flush()
    return row


def _total(ctx: InstallationContext, obj: ObjectType) -> int | None:
    try:
        return ctx.adapter.count(obj)
    except Exception:  # noqa: BLE001 - the total only feeds the progress bar
        return None


def load_accounts(ctx: InstallationContext) -> dict[str, Account]:
    """Every company once, so contacts find theirs without a call per page."""
    out: dict[str, Account] = {}
    for page in ctx.adapter.iter_records(ObjectType.ACCOUNT, None):
        for record in page.records:
            if isinstance(record, Account):
                out[record.ref.record_id] = record
    return out


def run_backfill(
    ctx: InstallationContext,
    obj: ObjectType = ObjectType.CONTACT,
    dry_run: bool = False,
    max_pages: int | None = None,
    restart: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    resume: bool = False,
) -> tuple[Progress, BatchReport]:
    """Run (or resume) the backfill; returns the progress and what this call did.

    Each page is taken under a per-backfill lock and starts from the checkpoint stored by the page
    before, so two tasks on the same backfill (a redelivered one beside a resumed one) share the
    pages instead of repeating them. ``resume``: continue a backfill, never start a finished one over
    (task continuations, retries and the watchdog use it)."""
    name = "preview" if dry_run else "backfill"
    lock = f"backfill:{ctx.installation_id}:{obj.value}:{name}"
    with ctx.runtime.page_locks(lock), ctx.sessions.begin() as session:
        row = cursor_row(session, ctx, obj, name)
        if row.status == "done" and resume and not restart:
            return Progress(row.done, row.total, 0.0, None, "done"), BatchReport()
        if restart or row.status in ("idle", "done"):
            row.cursor, row.done, row.status, row.started_at = (
                {"config": ctx.extra.get("config_hash")},
                0,
                "running",
                datetime.now(UTC),
            )
            row.total = _total(ctx, obj)
        total = row.total
    # Contacts find their company here without a call per page; Salesforce leads carry their own.
    accounts = load_accounts(ctx) if obj not in (ObjectType.LEAD, ObjectType.ACCOUNT) else {}
    report = BatchReport()
    started, pages, handled = time.monotonic(), 0, 0
    while True:
        with ctx.runtime.page_locks(lock):
            with ctx.sessions() as session:
                row = cursor_row(session, ctx, obj, name)
                cursor, done, status = dict(row.cursor), row.done, row.status
            if status == "done":  # another task finished it meanwhile
                return Progress(done, total, 0.0, None, "done"), report
            after = cursor.get("after")
            page = next(iter(ctx.adapter.iter_records(obj, Cursor(after=after) if after else None)), None)
            records = list(page.records) if page is not None else []
            if obj == ObjectType.ACCOUNT:  # companies are scored from their people, after the people
                found = [a for a in records if isinstance(a, Account)]
                batch = score_accounts(ctx, [a.ref.record_id for a in found], dry_run, accounts=found)
            else:
                pairs = [(p, accounts.get(p.account_id or "")) for p in records if isinstance(p, Person)]
                batch = process_people(ctx, pairs, dry_run)
            report.merge(batch)
            done += len(records)
            handled += len(records)
            pages += 1
            next_after = page.next_cursor.after if page is not None and page.next_cursor else None
            status = "running" if next_after else "done"
            with ctx.sessions.begin() as session:  # the checkpoint: resume starts after this page
                row = cursor_row(session, ctx, obj, name)
                preview = dict(row.cursor.get("preview") or {})
                if dry_run:
                    for (key, action), count in batch.actions.items():
                        preview.setdefault(key, {}).setdefault(action, 0)
                        preview[key][action] += count
                    samples = list(row.cursor.get("samples") or [])
                    samples.extend(batch.samples[: max(0, 5 - len(samples))])
                else:
                    samples = []
                row.cursor = {
                    "after": next_after,
                    "preview": preview,
                    "samples": samples,
                    "config": _same_config(row.cursor.get("config"), ctx),
                }
                row.done, row.status = done, status
        rate = handled / max(time.monotonic() - started, 1e-6)
        eta = (total - done) / rate if total and rate and total > done else None
        progress = Progress(done, total, round(rate, 1), eta, status)
        if on_progress:
            on_progress(progress)
        if status == "done" or (max_pages is not None and pages >= max_pages):
            return progress, report


MIXED = "mixed"  # pages computed from more than one configuration: no Approve can match it


def _same_config(recorded: str | None, ctx: InstallationContext) -> str | None:
    """The configuration hash a cursor keeps: the one it started from, or ``MIXED`` once a page
    was computed from another (a configuration saved while a preview ran)."""
    return recorded if recorded == ctx.extra.get("config_hash") else MIXED


def preview_of(ctx: InstallationContext, obj: ObjectType = ObjectType.CONTACT) -> dict[str, Any]:
    with ctx.sessions() as session:
        row = cursor_row(session, ctx, obj, "preview")
        return {
            "status": row.status,
            "done": row.done,
            "total": row.total,
            "fields": row.cursor.get("preview") or {},
            "samples": row.cursor.get("samples") or [],
        }
