"""The re-routing pass on Salesforce: a lead whose Status a rep changed after leadq assigned it was
worked and is kept; the other overdue leads are reassigned, and Salesforce holds the new owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.records import ObjectType
from storage import routing_log
from storage.tables import Installation
from tests.support.salesforce import org_of
from workers.services.context import build_context
from workers.services.reroute import reroute_pass
from workers.services.sync import process_people


def test_a_worked_lead_is_kept_and_overdue_ones_are_reassigned(runtime, installed, crm, sessions) -> None:
    org = org_of(crm)
    first, second = [u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id][:2]
    reps = "".join(f'[[reps]]\nowner_id = "{u["Id"]}"\nname = "{u["Name"]}"\n' for u in (first, second))
    with sessions.begin() as db:
        db.get(Installation, installed).routing_toml = (
            '[steps]\naccount_owner = false\ndisqualified = false\n[pools]\nL1 = "all"\nL2 = "all"\n'
            'L3 = "all"\nL4 = "all"\n[sla]\nL1 = 60\nL2 = 60\nL3 = 60\nL4 = 60\n' + reps
        )
    ctx = build_context(runtime, installed)
    ctx.clock = lambda: datetime.now(UTC) - timedelta(hours=2)  # assigned two hours ago
    ids = [r["Id"] for r in org.live("Lead") if not r["IsConverted"] and r["Email"] and r["Title"]][:30]
    pairs = [(p, a) for p, a in ctx.adapter.read_with_accounts(ObjectType.LEAD, ids) if p.owner_id is None]
    process_people(ctx, pairs[:4])
    with sessions() as db:
        rows = [routing_log.latest(db, installed, "lead", p.ref.record_id) for p, _a in pairs[:4]]
    assigned = [r for r in rows if r is not None and r.status == "assigned"]
    assert len(assigned) >= 2, [r and r.path for r in rows]
    worked = assigned[0]
    status = org.get("Lead", worked.record_id)["Status"]
    org.update(
        "Lead",
        worked.record_id,
        {"Status": "Working - Contacted" if status != "Working - Contacted" else "Open - Not Contacted"},
        worked.owner_id,
    )
    report = reroute_pass(build_context(runtime, installed))
    assert report.worked == 1 and report.rerouted == len(assigned) - 1
    assert org.get("Lead", worked.record_id)["OwnerId"] == worked.owner_id
    for row in assigned[1:]:
        assert (
            org.get("Lead", row.record_id)["OwnerId"] == ({first["Id"], second["Id"]} - {row.owner_id}).pop()
        )
        with sessions() as db:
            assert (
                "within the 60-minute SLA: reassigned"
                in routing_log.latest(db, installed, "lead", row.record_id).path[0]
            )
