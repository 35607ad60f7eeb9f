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
from typing import Any

from connector.base import Cursor
from core.records import Account, ObjectType, PipelineLead
from storage import cursors
from storage.statuses import CursorStatus
from workers.services.accounts import score_accounts
from workers.services.context import InstallationContext
from workers.services.sync import BatchReport, process_people

PIPELINE_LEAD = ObjectType.PIPELINE_LEAD


def cursor_name(obj: ObjectType, dry_run: bool) -> str:
    """The cursor a backfill (or its dry run) of this object keeps. A run over the pipeline leads alone
    (``leadq backfill --objects leads``) keeps its own, apart from the installation's backfill and
    preview (which score every open lead with its person, and which Approve and the daily pass start
    over): it never holds up an approval nor waits for a worker that will not run it."""
    name = cursors.PREVIEW if dry_run else cursors.BACKFILL
    return f"leads_{name}" if obj == PIPELINE_LEAD else name


class NoPipelineLeads(LookupError):
    """A backfill of pipeline leads where the installation has none (HubSpot: Leads scopes not granted)."""


@dataclass
class Progress:
    done: int
    total: int | None
    rate: float  # records per second in this run
    eta_s: float | None
    status: str


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
    name = cursor_name(obj, dry_run)
    lock = f"backfill:{ctx.installation_id}:{obj.value}:{name}"
    with ctx.runtime.page_locks(lock), ctx.sessions.begin() as session:
        state = cursors.read(session, ctx.installation_id, obj.value, name)
        if state.status == CursorStatus.DONE and resume and not restart:
            return Progress(state.done, state.total, 0.0, None, CursorStatus.DONE), BatchReport()
        if restart or state.status in (CursorStatus.IDLE, CursorStatus.DONE):
            config = ctx.config_hash
            state = cursors.start_over(
                session, ctx.installation_id, obj.value, name, config, _total(ctx, obj), not restart
            )
        if state.status == CursorStatus.CANCELLED:  # an admin cancelled this preview
            return Progress(state.done, state.total, 0.0, None, CursorStatus.CANCELLED), BatchReport()
        total = state.total
    # Contacts find their company here without a call per page; Salesforce leads carry their own, and
    # the people of a page of pipeline leads are read with their companies.
    accounts = load_accounts(ctx) if obj not in (ObjectType.LEAD, ObjectType.ACCOUNT, PIPELINE_LEAD) else {}
    report = BatchReport()
    started, pages, handled = time.monotonic(), 0, 0
    while True:
        with ctx.runtime.page_locks(lock):
            with ctx.sessions() as session:
                state = cursors.read(session, ctx.installation_id, obj.value, name)
            if state.status in (CursorStatus.DONE, CursorStatus.CANCELLED):  # finished or cancelled meanwhile
                return Progress(state.done, total, 0.0, None, state.status), report
            records, next_after = _page(ctx, obj, state.cursor.get("after"))
            batch = _handle(ctx, obj, records, accounts, dry_run)
            report.merge(batch)
            done = state.done + len(records)
            handled += len(records)
            pages += 1
            with ctx.sessions.begin() as session:  # the checkpoint: resume starts after this page
                status = cursors.checkpoint(
                    session,
                    ctx.installation_id,
                    obj.value,
                    name,
                    after=next_after,
                    done=done,
                    config=ctx.config_hash,
                    actions=batch.actions if dry_run else None,
                    samples=batch.samples,
                )
        rate = handled / max(time.monotonic() - started, 1e-6)
        eta = (total - done) / rate if total and rate and total > done else None
        progress = Progress(done, total, round(rate, 1), eta, status)
        if on_progress:
            on_progress(progress)
        if status != CursorStatus.RUNNING or (max_pages is not None and pages >= max_pages):
            return progress, report


def _page(ctx: InstallationContext, obj: ObjectType, after: str | None) -> tuple[list[Any], str | None]:
    """The page of records after ``after`` (the first page without it) and the cursor of the next."""
    cursor = Cursor(after=after) if after else None
    leads_api = ctx.adapter.pipeline_leads
    if obj == PIPELINE_LEAD and leads_api is None:
        raise NoPipelineLeads("this installation has no access to the CRM's Leads records")
    pages = (
        leads_api.iter_leads(cursor)
        if obj == PIPELINE_LEAD and leads_api
        else ctx.adapter.iter_records(obj, cursor)
    )
    page = next(iter(pages), None)
    records = list(page.records) if page is not None else []
    next_after = page.next_cursor.after if page is not None and page.next_cursor else None
    return records, next_after


def _handle(
    ctx: InstallationContext, obj: ObjectType, records: list[Any], accounts: dict[str, Account], dry_run: bool
) -> BatchReport:
    if obj == ObjectType.ACCOUNT:  # companies are scored from their people, after the people
        found = [a for a in records if isinstance(a, Account)]
        return score_accounts(ctx, [a.ref.record_id for a in found], dry_run, accounts=found)
    if obj == PIPELINE_LEAD:  # a page of leads: their people, each with all their open leads
        people = list(
            dict.fromkeys(r.person_id for r in records if isinstance(r, PipelineLead) and r.person_id)
        )
        pairs = ctx.adapter.read_with_accounts(ObjectType.CONTACT, people) if people else []
    else:
        pairs = [(p, accounts.get(p.account_id or "")) for p in records]
    return process_people(ctx, pairs, dry_run, new_contact_triggers=False)


MIXED = cursors.MIXED  # pages computed from more than one configuration: no Approve can match it


def preview_of(ctx: InstallationContext, obj: ObjectType = ObjectType.CONTACT) -> dict[str, Any]:
    with ctx.sessions() as session:
        return cursors.preview_of(session, ctx.installation_id, obj.value, cursor_name(obj, True))
