"""The first touch on Salesforce is a person's earliest Status change after leadq assigned the lead,
from LeadHistory: a rep who changed the Status at 09:00 and again at 15:00 first touched the lead at
09:00, whatever leadq's integration user or the Automated Process user (flows) wrote in between; and
routing health's assigned-to-first-touch time shows it. History is read per 200 leads, never per lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.records import ObjectType, RecordRef
from storage import routing_log
from storage.stamps import aware
from storage.tables import Installation
from tests.support.salesforce import org_of
from workers.services.context import build_context
from workers.services.first_touch import refresh_first_touches
from workers.services.monitor import report_for
from workers.services.sync import process_people

STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted")


def set_status(org, lead_id: str, user_id: str, at: datetime) -> str:
    """``user_id`` changes the lead's Status at ``at`` (to a value it does not hold yet)."""
    value = next(s for s in STATUSES if s != org.get("Lead", lead_id)["Status"])
    changed, problems = org.update(
        "Lead", lead_id, {"Status": value}, user_id, at_ms=int(at.timestamp() * 1000), trusted=True
    )
    assert changed == ["Status"] and not problems
    return value


def status_changed_since(org, lead_id: str, day: datetime) -> bool:
    stamp = day.strftime("%Y-%m-%dT%H:%M:%S")
    return any(
        h["LeadId"] == lead_id and h["Field"] == "Status" and h["CreatedDate"] >= stamp
        for h in org.live("LeadHistory")
    )


@pytest.fixture
def assigned(runtime, installed, crm, sessions):
    """Leads leadq assigned yesterday at 08:00 (their decisions, as stored)."""
    org = org_of(crm)
    day = (datetime.now(UTC) - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    reps = [u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id][:2]
    team = "".join(f'[[reps]]\nowner_id = "{u["Id"]}"\nname = "{u["Name"]}"\n' for u in reps)
    with sessions.begin() as db:
        db.get(Installation, installed).routing_toml = (
            '[steps]\naccount_owner = false\ndisqualified = false\n[pools]\nL1 = "all"\nL2 = "all"\n'
            'L3 = "all"\nL4 = "all"\n[sla]\nL1 = 60\nL2 = 60\nL3 = 60\nL4 = 60\n' + team
        )
    ctx = build_context(runtime, installed)
    ctx.clock = lambda: day.replace(hour=8)
    ids = [
        r["Id"]
        for r in org.live("Lead")
        if not r["IsConverted"] and r["Email"] and r["Title"] and not status_changed_since(org, r["Id"], day)
    ][:30]
    pairs = [(p, a) for p, a in ctx.adapter.read_with_accounts(ObjectType.LEAD, ids) if p.owner_id is None]
    process_people(ctx, pairs[:6])
    with sessions() as db:
        rows = [routing_log.latest(db, installed, "lead", p.ref.record_id) for p, _a in pairs[:6]]
    assigned = [r for r in rows if r is not None and r.status == "assigned"]
    assert len(assigned) >= 3, [r and r.path for r in rows]
    return day, assigned, reps


def test_two_status_changes_by_a_rep_count_as_the_first(runtime, installed, crm, sessions, assigned):
    day, rows, reps = assigned
    org = org_of(crm)
    worked = rows[0].record_id
    ctx = build_context(runtime, installed)
    flows, problems = org.create(
        "User",
        {"Username": "autoproc@example.com", "LastName": "Automated Process", "IsActive": True,
         "UserType": "AutomatedProcess"},
        org.admin_user_id,
        trusted=True,
    )  # fmt: skip
    assert flows is not None, problems
    set_status(org, worked, reps[0]["Id"], day.replace(hour=7, minute=30))  # before leadq assigned it
    set_status(org, worked, ctx.adapter.integration_user_id, day.replace(hour=8, minute=20))
    set_status(org, worked, flows["Id"], day.replace(hour=8, minute=40))
    first = set_status(org, worked, reps[0]["Id"], day.replace(hour=9))
    second = set_status(org, worked, reps[1]["Id"], day.replace(hour=15))

    ref = RecordRef(ctx.crm, ctx.tenant_id, ObjectType.LEAD, worked)
    changes = ctx.adapter.human_changes([ref], ["Status"], after=day.replace(hour=8))[ref]
    nine, three = day.replace(hour=9), day.replace(hour=15)
    assert [(c.value, c.at) for c in changes] == [(first, nine), (second, three)]

    before = len(crm.requests)
    assert refresh_first_touches(ctx, datetime.now(UTC)) == 1
    soql = [e.query.get("q", [""])[0] for e in crm.requests.entries()[before:]]
    assert len(soql) == 2, soql  # one LeadHistory query for every lead, one User query for the authors
    assert soql[0].startswith("SELECT LeadId, Field") and all(r.record_id in soql[0] for r in rows)
    assert soql[1].startswith("SELECT Id, UserType FROM User")

    with sessions() as db:
        stored = {r.record_id: routing_log.latest(db, installed, "lead", r.record_id) for r in rows}
    assert aware(stored[worked].first_touch_at) == nine
    assert all(stored[r.record_id].first_touch_at is None for r in rows[1:])

    health = report_for(runtime, installed, datetime.now(UTC)).routing
    assert health.assigned_to_first_touch.n == 1
    assert health.assigned_to_first_touch.p50_minutes == pytest.approx(60.0)  # 08:00 -> 09:00, not 15:00
