"""The scheduled re-routing pass: an overdue lead is reassigned with the reason (a real worker runs the
beat task), a lead a person reassigned in the CRM is left alone, a worked lead is kept, and a
deactivated rep's open leads are redistributed."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from core.records import ObjectType
from leadq.app import create_app
from storage import routing_log
from storage.tables import Installation
from tests.support.hubspot import ui_edit
from tests.support.sync import OPEN_VERDICTS, wait_until, worker_env
from workers.launch import worker_command
from workers.services.context import _OWNERS_CACHE, build_context
from workers.services.reroute import reroute_pass
from workers.services.sync import process_people


def team(*owners: dict, inactive: str = "") -> str:
    reps = "".join(
        f'[[reps]]\nowner_id = "{o["id"]}"\nname = "{o["firstName"]} {o["lastName"]}"\n'
        + ("active = false\n" if o["id"] == inactive else "")
        for o in owners
    )
    return (
        '[steps]\naccount_owner = false\ndisqualified = false\n[pools]\nL1 = "all"\nL2 = "all"\n'
        'L3 = "all"\nL4 = "all"\n[sla]\nL1 = 60\nL2 = 60\nL3 = 60\nL4 = 60\n' + reps
    )


def _assign(runtime, installed, sessions, portal, routing_toml, at, count):
    """Route ``count`` unowned contacts with work e-mails at the clock ``at``; their records."""
    with sessions.begin() as session:
        row = session.get(Installation, installed)
        row.routing_toml, row.icp_toml = routing_toml, OPEN_VERDICTS  # many leads go to reps
    ctx = build_context(runtime, installed)
    ctx.clock = lambda: at
    ids = [
        r.id
        for r in portal.live("contacts")
        if not r.props.get("hubspot_owner_id")
        and "@" in r.props.get("email", "")
        and "gmail" not in r.props["email"]
        and r.props.get("jobtitle")
    ][:count]
    process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids))
    with sessions() as session:
        rows = [routing_log.latest(session, installed, "contact", i) for i in ids]
    assert all(r is not None and r.status == "assigned" for r in rows), [r and r.path for r in rows]
    return rows


@pytest.mark.redis
def test_the_beat_task_on_a_real_worker_reassigns_an_overdue_lead_and_leaves_a_persons_choice(
    runtime, installed, sessions, crm, leadq_settings, redis_client
):
    portal = crm.sandbox.portals[crm.portal_id]
    active = [o for o in portal.owners if not o["archived"]]
    first, second, third = active[:3]
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)  # the 60-minute SLA has run out since
    overdue, taken = _assign(runtime, installed, sessions, portal, team(first, second), two_hours_ago, 2)
    assert overdue.sla_due.replace(tzinfo=UTC) > two_hours_ago  # due in the future when it was set
    ui_edit(crm, "contacts", taken.record_id, {"hubspot_owner_id": third["id"]})  # a person's reassignment

    redis_client.delete("changes")
    worker = subprocess.Popen(
        worker_command("changes"),
        env=worker_env(leadq_settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        celery = create_app(leadq_settings).extensions["leadq"].celery
        celery.send_task("leadq.schedule", args=["reroute"], queue="changes")  # what beat sends
        moved = wait_until(
            lambda: (
                portal.get("contacts", overdue.record_id).props.get("hubspot_owner_id") != overdue.owner_id
            )
        )
    finally:
        worker.terminate()
        output = worker.communicate(timeout=15)[0]
    assert moved, f"the scheduled pass did not reassign the overdue lead; worker: {output[-4000:]}"
    new_owner = portal.get("contacts", overdue.record_id).props["hubspot_owner_id"]
    assert new_owner in {first["id"], second["id"]} - {overdue.owner_id}
    with sessions() as session:
        latest = routing_log.latest(session, installed, "contact", overdue.record_id)
        old = session.get(type(latest), overdue.id)
        left = routing_log.latest(session, installed, "contact", taken.record_id)
    assert latest.owner_id == new_owner and latest.previous_owner_id == overdue.owner_id
    assert "within the 60-minute SLA: reassigned" in latest.path[0], latest.path
    assert latest.sla_due.replace(tzinfo=UTC) > latest.decided_at.replace(tzinfo=UTC)
    assert old.status == "rerouted"
    # The lead a person reassigned keeps that person's choice, and the log says why.
    assert portal.get("contacts", taken.record_id).props["hubspot_owner_id"] == third["id"]
    assert left.id == taken.id and left.status == "overridden"


def test_a_worked_lead_is_kept_and_a_deactivated_reps_leads_are_redistributed(
    runtime, installed, sessions, crm
):
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = [o for o in portal.owners if not o["archived"]][:2]
    at = datetime.now(UTC) - timedelta(hours=2)
    rows = _assign(runtime, installed, sessions, portal, team(first, second), at, 4)
    worked = rows[0]
    status = portal.get("contacts", worked.record_id).props.get("hs_lead_status")
    worked_on = "CONNECTED" if status != "CONNECTED" else "OPEN"
    ui_edit(crm, "contacts", worked.record_id, {"hs_lead_status": worked_on})
    ctx = build_context(runtime, installed)
    report = reroute_pass(ctx)
    assert report.worked == 1 and report.rerouted == 3
    assert portal.get("contacts", worked.record_id).props["hubspot_owner_id"] == worked.owner_id
    with sessions() as session:
        assert routing_log.latest(session, installed, "contact", worked.record_id).status == "worked"

    # The first rep leaves: their open leads go to the other rep, whatever the SLA.
    with sessions.begin() as session:
        session.get(Installation, installed).routing_toml = team(first, second, inactive=first["id"])
    ctx = build_context(runtime, installed)
    with sessions() as session:
        theirs = [r.record_id for r in routing_log.open_assignments(session, installed, first["id"])]
    assert theirs
    report = reroute_pass(ctx)
    for record_id in theirs:
        assert portal.get("contacts", record_id).props["hubspot_owner_id"] == second["id"]
        with sessions() as session:
            row = routing_log.latest(session, installed, "contact", record_id)
        assert "was deactivated: open lead redistributed" in row.path[0]


def test_an_overdue_lead_stays_with_its_rep_when_nobody_else_qualifies(runtime, installed, sessions, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    only = next(o for o in portal.owners if not o["archived"])
    (row,) = _assign(
        runtime, installed, sessions, portal, team(only), datetime.now(UTC) - timedelta(hours=2), 1
    )
    report = reroute_pass(build_context(runtime, installed))
    assert report.rerouted == 0 and report.kept == 1
    assert portal.get("contacts", row.record_id).props["hubspot_owner_id"] == only["id"]
    with sessions() as session:
        latest = routing_log.latest(session, installed, "contact", row.record_id)
    assert latest.id == row.id and latest.status == "assigned", "still open: the next pass tries again"


def test_a_rep_deactivated_in_the_crm_gets_no_new_lead_and_loses_their_open_leads(
    runtime, installed, sessions, crm
):
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = [o for o in portal.owners if not o["archived"]][:2]
    _OWNERS_CACHE.clear()
    try:
        rows = _assign(runtime, installed, sessions, portal, team(first, second), datetime.now(UTC), 4)
        theirs = [r.record_id for r in rows if r.owner_id == first["id"]]
        assert theirs
        first["archived"] = True  # the rep leaves; the routing file still lists them
        _OWNERS_CACHE.clear()  # the workers' owner list is read again
        report = reroute_pass(build_context(runtime, installed))
        assert report.rerouted == len(theirs)
        for record_id in theirs:
            assert portal.get("contacts", record_id).props["hubspot_owner_id"] == second["id"]
            with sessions() as session:
                path = routing_log.latest(session, installed, "contact", record_id).path
            assert (
                f"{first['firstName']} {first['lastName']} was deactivated: open lead redistributed"
                in path[0]
            )
    finally:
        _OWNERS_CACHE.clear()
