"""When a person first worked a lead leadq assigned (routing health's assigned-to-first-touch time).

A lead is worked when a person (not leadq, not another integration) changes one of its work fields
(the provider registry's ``work_fields``: HubSpot's lead status and lifecycle stage, Salesforce's
lead Status) after leadq assigned it. The CRM's field history says who changed a field last and when;
the daily job reads it for leadq's open assignments of the last four weeks that have no first touch
yet (one batched history read per 50 records) and keeps the time it finds. A stored time is only
ever moved earlier, so a lead touched several times keeps the first change the daily read saw (two
changes on the same day count as the later one). The reroute pass stores the same when it checks a
lead past its SLA.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from connector.registry import provider
from core.records import ObjectType, RecordRef, WrittenBy
from storage import routing_log
from storage.routing_log import StoredDecision
from storage.stamps import aware
from workers.services.context import InstallationContext

WINDOW = timedelta(days=28)  # as far back as routing health looks


def stamp_of(value: object) -> datetime | None:
    """A history entry's time (datetime, or ISO text as the CRMs send it) as aware UTC; None: unreadable."""
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, str) and value:
        try:
            return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def touched_after(ctx: InstallationContext, rows: Sequence[StoredDecision]) -> dict[int, datetime]:
    """Decision row id -> when a person changed the record's work fields after that decision
    (the CRM's field history; records nobody worked yet are left out)."""
    work_fields = provider(ctx.crm).work_fields
    by_type: dict[str, list[StoredDecision]] = defaultdict(list)
    for row in rows:
        by_type[row.object_type].append(row)
    out: dict[int, datetime] = {}
    for object_type, group in by_type.items():
        keys = work_fields.get(ObjectType(object_type), ())
        if not keys:
            continue
        refs = [RecordRef(ctx.crm, ctx.tenant_id, ObjectType(object_type), r.record_id) for r in group]
        states = ctx.adapter.field_states(refs, list(keys))
        for row, ref in zip(group, refs, strict=True):
            times = [
                at
                for state in states.get(ref, {}).values()
                if state.written_by == WrittenBy.USER
                and (at := stamp_of(state.written_at)) is not None
                and at >= aware(row.decided_at)
            ]
            if times:
                out[row.id] = min(times)
    return out


def refresh_first_touches(ctx: InstallationContext, now: datetime) -> int:
    """Store the first touch of leadq's open assignments decided in the last four weeks that have
    none yet; how many were found touched."""
    since = aware(now) - WINDOW
    with ctx.sessions() as session:
        rows = [
            r
            for r in routing_log.newest_open_assignments(session, ctx.installation_id)
            if r.first_touch_at is None and aware(r.decided_at) >= since
        ]
    touched = touched_after(ctx, rows) if rows else {}
    if touched:
        with ctx.sessions.begin() as session:
            routing_log.mark_first_touch(session, touched)
    return len(touched)
