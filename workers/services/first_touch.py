"""When a person first worked a lead leadq assigned (routing health's assigned-to-first-touch time).

A lead is worked when a person (not leadq, not another integration) changes one of its work fields
(the provider registry's ``work_fields``: HubSpot's lead status and lifecycle stage, Salesforce's
lead Status) after leadq assigned it. The first touch is the earliest such change strictly after the
decision, read from the CRM's whole field history (``CrmAdapter.human_changes``: every change a
person made, not only the newest per field), so a rep who changed the status at 09:00 and again at
15:00 first touched the lead at 09:00. The daily job reads it for leadq's open assignments of the last
four weeks that have no first touch yet (batched history reads: 50 records per HubSpot call, 200 per
Salesforce query) and keeps the time it finds; a stored time is only ever moved earlier. The reroute
pass stores the same when it checks a lead past its SLA.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from connector.registry import provider
from core.records import ObjectType, RecordRef
from storage import routing_log
from storage.routing_log import StoredDecision
from storage.stamps import aware
from workers.services.context import InstallationContext

WINDOW = timedelta(days=28)  # as far back as routing health looks


def touched_after(ctx: InstallationContext, rows: Sequence[StoredDecision]) -> dict[int, datetime]:
    """Decision row id -> the earliest change a person made to the record's work fields strictly
    after that decision (the CRM's field history; records nobody worked since are left out)."""
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
        earliest = min(aware(r.decided_at) for r in group)
        changes = ctx.adapter.human_changes(refs, list(keys), after=earliest)
        for row, ref in zip(group, refs, strict=True):
            decided = aware(row.decided_at)
            first = next((c.at for c in changes.get(ref, ()) if c.at > decided), None)
            if first is not None:
                out[row.id] = first
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
