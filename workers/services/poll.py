"""Polling for changes (Salesforce): each people object, then accounts, by ``SystemModstamp``, with an
overlap.

Each poll starts a minute before the last high-water mark (stamps have whole-second precision
and a change can commit late), so nothing is missed; the re-read records dedupe on
(record, SystemModstamp in its canonical form), the same key an outbound message uses, so a
change is processed once however it arrives. leadq's own writes (``LastModifiedById`` is the
integration user) are dropped. New changes are recorded as queued events and handled by the change handler.

That key is only ever recorded from what leadq itself read from the org: by the poll, or by the
change handler for the version it read (``sync.note_versions_read``). Outbound messages are recorded
under their notification id, so nothing a sender writes can pre-record a version and hide it; a
queued one the poll overtakes is replaced by the poll's event (one event, one read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.base import Cursor
from connector.registry import provider
from core.records import Account, ObjectType, Person, version_time
from storage import cursors, installations
from storage import events as event_store
from storage.statuses import CursorStatus
from workers.services import intake
from workers.services.context import InstallationContext

log = logging.getLogger(__name__)
OVERLAP = timedelta(seconds=60)
FIRST_LOOKBACK = timedelta(minutes=5)


@dataclass
class PollReport:
    seen: int = 0
    new: int = 0
    echoes: int = 0
    queued: int = 0  # queued events waiting for the change handler after this poll


def poll_changes(ctx: InstallationContext) -> PollReport:
    report = PollReport()
    for obj in (*ctx.adapter.people_objects, ObjectType.ACCOUNT):  # an account change re-scores its people
        with ctx.sessions.begin() as session:
            row = cursors.cursor_row(session, ctx.installation_id, obj.value, "poll")
            since_text = (row.cursor or {}).get("since")
        since = datetime.fromisoformat(since_text) if since_text else ctx.now() - FIRST_LOOKBACK + OVERLAP
        high_water = _poll_object(ctx, obj, since, report)
        with ctx.sessions.begin() as session:
            row = cursors.cursor_row(session, ctx.installation_id, obj.value, "poll")
            row.cursor = {"since": high_water.isoformat()}
            row.status = CursorStatus.IDLE
    with ctx.sessions() as session:
        report.queued = event_store.count_queued(session, ctx.installation_id)
    log.info(
        "sync.poll.done",
        extra={
            "installation": ctx.installation_id,
            "seen": report.seen,
            "new": report.new,
            "echoes": report.echoes,
        },
    )
    return report


def _poll_object(ctx: InstallationContext, obj: ObjectType, since: datetime, report: PollReport) -> datetime:
    """Read one object's changes since ``since`` (less the overlap) through the intake; returns the
    new high-water mark."""
    integration_user = getattr(ctx.adapter, "integration_user_id", "")
    rules = provider(ctx.crm).changes
    if rules.version_key is None:
        raise TypeError(f"{ctx.crm} is not polled")
    high_water = since
    for page in ctx.adapter.iter_records(obj, Cursor(since=(since - OVERLAP).astimezone(UTC).isoformat())):
        changes = []
        for record in page.records:
            if not isinstance(record, Person | Account):
                continue
            report.seen += 1
            stamp = version_time(record.version)
            if stamp and stamp > high_water:
                high_water = stamp
            key = rules.version_key(obj, record.ref.record_id, record.version if stamp else "")
            echo = rules.is_echo(record.raw, integration_user)  # leadq's own write-back
            changes.append(intake.Change(key, obj.value, record.ref.record_id, stamp, echo=echo))
        with ctx.sessions.begin() as session:
            accepted = intake.accept(session, installations.get(session, ctx.installation_id), changes)
            fresh = set(accepted.recorded)
            taken = event_store.take_over_notifications(
                session,
                ctx.installation_id,
                obj.value,
                [c.record_id for c in changes if c.key in fresh],
                rules.pushed_prefix,
            )
        report.echoes += accepted.echoes
        report.new += len(fresh) - len(taken)  # a change an outbound message brought is not new
    return high_water
