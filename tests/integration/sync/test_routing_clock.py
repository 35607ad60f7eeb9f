"""Routing runs on the actual clock (the context's, fixed here): working hours, SLA deadlines and the
audit log's time are those of the moment the lead is routed, while scores stay "as of the day"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.records import ObjectType, Verdict
from scoring.score import score_people
from storage import routing_log
from storage.tables import Installation, RoutingDecisionRow
from tests.support.sync import OPEN_VERDICTS
from workers.services.context import build_context
from workers.services.sync import process_people

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)


def berlin_team(owner_id: str) -> str:
    return f"""
[steps]
account_owner = false
disqualified = false
[pools]
L1 = "all"
L2 = "all"
L3 = "all"
L4 = "all"
[sla]
L1 = 60
L2 = 240
L3 = 480
L4 = 960
[[reps]]
owner_id = "{owner_id}"
name = "Hiro Schmidt"
timezone = "Europe/Berlin"
working_hours = {{ start = "09:00", end = "18:00", days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] }}
"""


def _context(runtime, installed, sessions, routing_toml, at):
    with sessions.begin() as session:
        row = session.get(Installation, installed)
        # Most leads are sales-ready here (low tier bars, no engagement bar): this test is about the clock.
        row.routing_toml, row.icp_toml = routing_toml, OPEN_VERDICTS
    ctx = build_context(runtime, installed)
    ctx.clock = lambda: at
    return ctx


def _unowned_work_contact(ctx, portal):
    """A sales-ready contact with a work e-mail and no owner: routed to a rep, not to nurture."""
    seen = []
    for record in portal.live("contacts"):
        email = record.props.get("email", "")
        if record.props.get("hubspot_owner_id") or "@" not in email or "gmail" in email:
            continue
        pair = ctx.adapter.read_with_accounts(ObjectType.CONTACT, [record.id])[0]
        if not pair[0].title:
            continue
        # Only a sales-ready lead goes to a rep (the verdict matrix): pick one the scoring calls so.
        score = score_people([pair], ctx.icp, ctx.model, ctx.now().replace(hour=0, minute=0), ctx.model_note)[
            0
        ]
        seen.append((score.tier.value, score.verdict.value))
        if score.verdict == Verdict.SALES_READY:
            return record, pair
    raise AssertionError(f"no unowned sales-ready contact with a work e-mail in the sandbox: {seen}")


def test_routing_uses_the_clock_working_hours_and_sla(runtime, installed, sessions, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    rep = next(o for o in portal.owners if not o["archived"])
    team = berlin_team(rep["id"])

    late = MONDAY + timedelta(hours=22, minutes=10)  # 23:10 in Berlin
    ctx = _context(runtime, installed, sessions, team, late)
    record, pair = _unowned_work_contact(ctx, portal)
    process_people(ctx, [pair])
    with sessions() as session:
        parked = routing_log.latest(session, installed, "contact", record.id)
    assert parked is not None and parked.status == "parked" and parked.owner_id is None
    assert any("Hiro Schmidt off hours at 23:10 Europe/Berlin" in step for step in parked.path), parked.path
    assert any("parked in queue" in step for step in parked.path), parked.path
    assert parked.decided_at.replace(tzinfo=UTC) == late
    assert not portal.get("contacts", record.id).props.get("hubspot_owner_id")

    afternoon = MONDAY + timedelta(days=1, hours=14, minutes=45)  # 15:45 in Berlin, the next day
    ctx = _context(runtime, installed, sessions, team, afternoon)
    process_people(ctx, [ctx.adapter.read_with_accounts(ObjectType.CONTACT, [record.id])[0]])
    with sessions() as session:
        assigned = routing_log.latest(session, installed, "contact", record.id)
        every = list(session.scalars(select(RoutingDecisionRow)))
    assert assigned is not None and assigned.status == "assigned" and assigned.owner_id == rep["id"]
    assert portal.get("contacts", record.id).props["hubspot_owner_id"] == rep["id"]
    assert assigned.decided_at.replace(tzinfo=UTC) == afternoon
    assert assigned.sla_due is not None and assigned.sla_due.replace(tzinfo=UTC) > afternoon
    assert all(
        r.sla_due is None or r.sla_due.replace(tzinfo=UTC) > r.decided_at.replace(tzinfo=UTC) for r in every
    ), "an SLA deadline was already past when it was set"
    # Scores stay "as of the day": the CRM's scored-at is the start of the UTC day.
    scored_at = portal.get("contacts", record.id).props["leadq_scored_at"]
    assert scored_at.startswith("2026-12-01")
