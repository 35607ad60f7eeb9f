"""The first touch is a person's earliest change after leadq assigned the lead, read from HubSpot's
whole property history: a rep who changed the lead status at 09:00 and again at 15:00 first touched
the lead at 09:00, whatever leadq or another integration wrote in between; and routing health's
assigned-to-first-touch time shows it. One batched history read, never a call per record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.records import ObjectType, RecordRef
from sandbox.hubspot.store import Source
from storage import routing_log
from storage.stamps import aware
from storage.tables import Installation
from tests.support.sync import OPEN_VERDICTS
from workers.services.context import build_context
from workers.services.first_touch import refresh_first_touches
from workers.services.monitor import report_for
from workers.services.sync import process_people

STATUSES = ("OPEN", "ATTEMPTED_TO_CONTACT", "CONNECTED", "IN_PROGRESS")
WORK = ("hs_lead_status", "lifecyclestage")


def routing_team(owners: list[str]) -> str:
    reps = "".join(f'[[reps]]\nowner_id = "{o}"\nname = "Rep {o}"\n' for o in owners)
    return (
        '[steps]\naccount_owner = false\ndisqualified = false\n[pools]\nL1 = "all"\nL2 = "all"\n'
        'L3 = "all"\nL4 = "all"\n[sla]\nL1 = 60\nL2 = 60\nL3 = 60\nL4 = 60\n' + reps
    )


def quiet_since(record, day: datetime) -> bool:
    """Nobody changed the record's work fields since ``day`` (the seed left it alone)."""
    stamp = day.strftime("%Y-%m-%dT%H:%M:%S")
    return all(e["timestamp"] < stamp for key in WORK for e in record.history.get(key, ()))


def set_status(portal, contact_id: str, source: Source, at: datetime) -> str:
    """``source`` changes the contact's lead status at ``at`` (to a value it does not hold yet)."""
    current = portal.get("contacts", contact_id).props.get("hs_lead_status")
    value = next(s for s in STATUSES if s != current)
    at_ms = int(at.timestamp() * 1000)
    assert portal.update("contacts", contact_id, {"hs_lead_status": value}, source, at_ms=at_ms)
    return value


@pytest.fixture
def assigned(runtime, installed, sessions, crm):
    """Four contacts leadq assigned yesterday at 08:00 (their decisions, as stored)."""
    portal = crm.sandbox.portals[crm.portal_id]
    day = (datetime.now(UTC) - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    owners = [o["id"] for o in portal.owners if not o["archived"]][:2]
    ids = [
        r.id
        for r in portal.live("contacts")
        if not r.props.get("hubspot_owner_id")
        and "@" in r.props.get("email", "")
        and r.props.get("jobtitle")
        and quiet_since(r, day)
    ][:4]
    with sessions.begin() as session:
        row = session.get(Installation, installed)
        row.routing_toml, row.icp_toml = routing_team(owners), OPEN_VERDICTS
    ctx = build_context(runtime, installed)
    ctx.clock = lambda: day.replace(hour=8)
    process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids))
    with sessions() as session:
        rows = [routing_log.latest(session, installed, "contact", i) for i in ids]
    assert len(rows) == 4 and all(r is not None and r.status == "assigned" for r in rows)
    return day, rows


def test_two_changes_by_a_rep_count_as_the_first(runtime, installed, sessions, crm, assigned):
    day, rows = assigned
    portal = crm.sandbox.portals[crm.portal_id]
    worked = rows[0].record_id
    rep = next(o for o in portal.owners if not o["archived"])["userId"]
    ui = Source("CRM_UI", f"userId:{rep}", user_id=rep)
    leadq = Source("INTEGRATION", str(crm.app_id))
    other_app = Source("INTEGRATION", "7070707")
    set_status(portal, worked, ui, day.replace(hour=7, minute=30))  # before leadq assigned it
    set_status(portal, worked, leadq, day.replace(hour=8, minute=20))
    set_status(portal, worked, other_app, day.replace(hour=8, minute=40))
    first = set_status(portal, worked, ui, day.replace(hour=9))
    second = set_status(portal, worked, ui, day.replace(hour=15))

    ctx = build_context(runtime, installed)
    ref = RecordRef(ctx.crm, ctx.tenant_id, ObjectType.CONTACT, worked)
    changes = ctx.adapter.human_changes([ref], ["hs_lead_status"], after=day.replace(hour=8))[ref]
    nine, three = day.replace(hour=9), day.replace(hour=15)
    assert [(c.value, c.at) for c in changes] == [(first, nine), (second, three)]

    before = len(crm.requests)
    assert refresh_first_touches(ctx, datetime.now(UTC)) == 1
    reads = crm.requests.entries()[before:]
    assert [e.path for e in reads] == ["/crm/v3/objects/contacts/batch/read"]  # one call for four leads
    assert sorted(i["id"] for i in reads[0].body["inputs"]) == sorted(r.record_id for r in rows)
    assert sorted(reads[0].body["propertiesWithHistory"]) == sorted(WORK)

    with sessions() as session:
        stored = {r.record_id: routing_log.latest(session, installed, "contact", r.record_id) for r in rows}
    assert aware(stored[worked].first_touch_at) == day.replace(hour=9)
    assert all(stored[r.record_id].first_touch_at is None for r in rows[1:])

    health = report_for(runtime, installed, datetime.now(UTC)).routing
    assert health.assigned_to_first_touch.n == 1
    assert health.assigned_to_first_touch.p50_minutes == pytest.approx(60.0)  # 08:00 -> 09:00, not 15:00
