"""What the running product stores for monitoring: each score's priority and model inputs, what a
routing decision weighed (pool, weights, multiplier, probability, the record's creation), when a
person first worked a lead (the re-routing pass), and the CRM's outcomes (the daily job)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connector.hubspot.mapping import parse_time
from core.records import ObjectType
from scoring.features import filled_fields, person_features
from storage import outcomes as outcome_store
from storage import routing_log, scores
from storage.scores import json_inputs
from storage.stamps import aware
from storage.tables import Installation, OutcomeRow
from tests.support.hubspot import ui_edit
from tests.support.sync import OPEN_VERDICTS
from workers import dispatch
from workers.celery_app import make_celery
from workers.services.context import _OWNERS_CACHE, build_context
from workers.services.monitor import monitor_input_for
from workers.services.outcomes_refresh import refresh_outcomes
from workers.services.reroute import reroute_pass
from workers.services.sync import process_people


def team(weights: dict[str, float]) -> str:
    reps = "".join(
        f'[[reps]]\nowner_id = "{o}"\nname = "Rep {o}"\nweight = {w}\n' for o, w in weights.items()
    )
    return (
        '[steps]\naccount_owner = false\ndisqualified = false\n[pools]\nL1 = "all"\nL2 = "all"\n'
        'L3 = "all"\nL4 = "all"\n[sla]\nL1 = 60\nL2 = 60\nL3 = 60\nL4 = 60\n'
        "[performance]\nfloor = 0.5\ncap = 2.0\n" + reps
    )


def _unowned(portal, count):
    return [
        r.id
        for r in portal.live("contacts")
        if not r.props.get("hubspot_owner_id")
        and "@" in r.props.get("email", "")
        and "gmail" not in r.props["email"]
        and r.props.get("jobtitle")
    ][:count]


def _route(runtime, installed, sessions, routing_toml, at, ids):
    with sessions.begin() as session:
        row = session.get(Installation, installed)
        row.routing_toml, row.icp_toml = routing_toml, OPEN_VERDICTS  # many leads go to reps
    ctx = build_context(runtime, installed)
    ctx.clock = lambda: at
    people = ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids)
    process_people(ctx, people)
    return ctx, people


def test_a_change_stores_priority_inputs_and_what_the_routing_weighed(runtime, installed, sessions, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = [o["id"] for o in portal.owners if not o["archived"]][:2]
    at = datetime.now(UTC).replace(microsecond=0)
    ids = _unowned(portal, 4)
    ctx, people = _route(runtime, installed, sessions, team({first: 2.0, second: 1.0}), at, ids)
    day = at.replace(hour=0, minute=0, second=0)
    with sessions() as session:
        stored = scores.newest_for(session, installed, [("contact", i) for i in ids])
        decisions = {i: routing_log.latest(session, installed, "contact", i) for i in ids}
    assert len(stored) == 4
    for person, account in people:
        row = stored[("contact", person.ref.record_id)]
        model_row = person_features(person, account, ctx.icp, day).model_row()
        expected = json_inputs({**model_row, **filled_fields(person, account)})
        assert row.inputs == expected
        # The CRM's fields as they arrived, beside the model's inputs (which hide an empty title).
        title = portal.get("contacts", person.ref.record_id).props.get("jobtitle")
        assert row.inputs["field: job title"] == ("filled" if title else None)
        assert row.inputs["email_kind"] in ("business", "free")  # no gmail: never "missing"
        assert row.inputs["lead_source"] == ((person.lead_source or "").lower() or None)
        # Under the rules, priority is the blend of the fit and engagement stored beside it.
        blend = ctx.icp.blend_fit * row.fit + ctx.icp.blend_engagement * row.engagement
        assert row.priority == pytest.approx(round(blend, 1))
        decision = decisions[person.ref.record_id]
        assert decision is not None and decision.status == "assigned" and decision.pool == "all"
        assert decision.weights == {first: 2.0, second: 1.0}  # no performance data yet: as configured
        assert sum(decision.weights.values()) == 3.0 and decision.multiplier == 1.0
        assert 0.5 <= decision.multiplier <= 2.0
        assert decision.probability == row.probability
        created = parse_time(portal.get("contacts", person.ref.record_id).props["createdate"])
        assert aware(decision.record_created_at) == created


def test_the_reroute_pass_stores_when_a_person_first_worked_a_lead(runtime, installed, sessions, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = [o["id"] for o in portal.owners if not o["archived"]][:2]
    at = datetime.now(UTC) - timedelta(hours=2)
    ids = _unowned(portal, 3)
    _route(runtime, installed, sessions, team({first: 1.0, second: 1.0}), at, ids)
    worked, reassigned, untouched = ids
    status = portal.get("contacts", worked).props.get("hs_lead_status")
    before = datetime.now(UTC).replace(microsecond=0)
    ui_edit(crm, "contacts", worked, {"hs_lead_status": "CONNECTED" if status != "CONNECTED" else "OPEN"})
    after = datetime.now(UTC) + timedelta(seconds=1)
    with sessions() as session:
        owner = routing_log.latest(session, installed, "contact", reassigned).owner_id
    other = second if owner == first else first
    ui_edit(crm, "contacts", reassigned, {"hubspot_owner_id": other})  # an owner change: no touch
    report = reroute_pass(build_context(runtime, installed))
    assert report.worked == 1 and report.overridden == 1
    with sessions() as session:
        rows = {i: routing_log.latest(session, installed, "contact", i) for i in ids}
    assert rows[worked].status == "worked"
    touched = aware(rows[worked].first_touch_at)
    assert touched is not None and before <= touched <= after
    assert rows[reassigned].status == "overridden" and rows[reassigned].first_touch_at is None
    assert rows[untouched].first_touch_at is None  # re-routed: nobody worked it


def test_the_daily_job_stores_a_first_touch_before_any_sla_is_due(runtime, installed, sessions, crm):
    """Routing health's assigned-to-first-touch must not see only the leads past their SLA: the daily
    job reads the history of every recent open assignment that has no first touch yet."""
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = [o["id"] for o in portal.owners if not o["archived"]][:2]
    at = datetime.now(UTC) - timedelta(minutes=5)  # SLA 60 min: nothing is due
    ids = _unowned(portal, 2)
    _route(runtime, installed, sessions, team({first: 1.0, second: 1.0}), at, ids)
    worked, untouched = ids
    status = portal.get("contacts", worked).props.get("hs_lead_status")
    before = datetime.now(UTC).replace(microsecond=0)
    ui_edit(crm, "contacts", worked, {"hs_lead_status": "CONNECTED" if status != "CONNECTED" else "OPEN"})
    after = datetime.now(UTC) + timedelta(seconds=1)
    ctx = build_context(runtime, installed)
    assert reroute_pass(ctx).worked == 0, "nothing is past its SLA: the reroute pass reads no history"
    assert refresh_outcomes(ctx)["touched"] == 1
    with sessions() as session:
        rows = {i: routing_log.latest(session, installed, "contact", i) for i in ids}
    touched = aware(rows[worked].first_touch_at)
    assert touched is not None and before <= touched <= after
    assert rows[worked].status == "assigned"  # the daily job records the touch, it decides nothing
    assert rows[untouched].first_touch_at is None
    assert refresh_outcomes(ctx)["touched"] == 0, "a touch already stored is not read again"


def test_the_daily_outcome_job_keeps_the_crms_outcomes(runtime, installed, sessions, crm, leadq_settings):
    ctx = build_context(runtime, installed)
    closed = [o for o in ctx.adapter.outcomes() if o.kind.value in ("won", "lost")]
    assert closed, "the sandbox has closed deals"
    newest: dict[str, tuple[datetime, str]] = {}
    for o in closed:
        current = newest.get(o.ref.record_id)
        if current is None or o.occurred_at > current[0]:
            newest[o.ref.record_id] = (o.occurred_at, o.kind.value)
    result = refresh_outcomes(ctx)
    assert result == {"read": len(closed), "changed": len(newest), "touched": 0}  # nothing routed yet
    with sessions() as session:
        stored = {
            r.record_id: (aware(r.occurred_at), r.kind) for r in outcome_store.all_for(session, installed)
        }
    assert stored == newest
    assert refresh_outcomes(ctx)["changed"] == 0  # nothing new: nothing rewritten
    with sessions() as session:
        assert len(session.scalars(select(OutcomeRow)).all()) == len(newest)
    # Beat runs it every day for every working installation, through the shared dispatcher.
    beat = make_celery(leadq_settings).conf.beat_schedule["outcomes-daily"]
    assert beat["args"] == ("outcomes",) and beat["schedule"] == 86_400.0
    assert dispatch.SCHEDULED["outcomes"] is dispatch.enqueue_outcomes


def test_the_monitoring_input_comes_from_leadqs_store_without_a_crm_call(runtime, installed, sessions, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = [o["id"] for o in portal.owners if not o["archived"]][:2]
    at = datetime.now(UTC).replace(microsecond=0)
    ids = _unowned(portal, 4)
    _route(runtime, installed, sessions, team({first: 2.0, second: 1.0}), at, ids)
    with sessions() as session:
        owners = [routing_log.latest(session, installed, "contact", i).owner_id for i in ids]
    before = len(crm.requests)
    read = monitor_input_for(runtime, installed, at + timedelta(minutes=1))
    assert len(crm.requests) == before, "monitoring calls no CRM"
    facts = {r.owner_id: r for r in read.reps}
    assert facts[first].weight == 2.0 and facts[second].weight == 1.0 and facts[first].active
    assert {o: facts[o].open_leads for o in (first, second)} == {o: owners.count(o) for o in (first, second)}
    assert read.fallback_queues == {"unassigned"} and (read.performance_floor, read.performance_cap) == (
        0.5,
        2.0,
    )
    assert len(read.leads) >= 4 and sorted(read.routing.owner[-4:]) == sorted(owners)
    assert list(read.routing.pool[-4:]) == ["all"] * 4


def test_reps_known_only_by_their_owner_id_are_named_as_leadq_read_them(runtime, installed, sessions, crm):
    """A routing file without [[reps]] takes the CRM's owners: the ledger and the load table must name
    them as a rep knows them, not by owner id (the names leadq read with the records it scored)."""
    portal = crm.sandbox.portals[crm.portal_id]
    at = datetime.now(UTC).replace(microsecond=0)
    ids = _unowned(portal, 6)
    routing = team({})  # no [[reps]]: the CRM's owners
    _route(runtime, installed, sessions, routing, at, ids)
    _OWNERS_CACHE.clear()  # the admin app's or the CLI's process: it never read the owner list
    read = monitor_input_for(runtime, installed, at + timedelta(minutes=1))
    with sessions() as session:
        routed = {routing_log.latest(session, installed, "contact", i).owner_id for i in ids} - {None}
    by_id = {str(o["id"]): f"{o['firstName']} {o['lastName']}".strip() for o in portal.owners}
    named = {r.owner_id: r.name for r in read.reps if r.owner_id in routed}
    assert routed and named == {o: by_id[o] for o in routed}
