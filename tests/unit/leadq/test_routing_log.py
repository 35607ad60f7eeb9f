"""The routing audit log: decisions stored with their path; assignments tracked to re-route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.records import CrmKind
from routing.types import Decision
from storage import installations, routing_log
from storage.db import transaction


def test_decisions_are_logged_with_their_path_and_sla(sessions):
    due = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    decision = Decision(
        "101",
        None,
        "round_robin",
        ("AE pool: 4 eligible", "Dana chosen by weighted round robin"),
        pool="ae",
        sla_due=due,
    )
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "audit")
        routing_log.record(session, inst.id, "contact", "55", decision, previous_owner_id=None)
        routing_log.record(
            session, inst.id, "contact", "56", Decision(None, "nurture", "nurture", ("L3 lead",))
        )
    with transaction(sessions) as session:
        row = routing_log.latest(session, inst.id, "contact", "55")
        assert row.owner_id == "101" and row.path[-1] == "Dana chosen by weighted round robin"
        assert row.sla_due.replace(tzinfo=UTC) == due and row.status == "assigned"
        assert [r.record_id for r in routing_log.open_assignments(session, inst.id, "101")] == ["55"]
        routing_log.set_status(session, row.id, "rerouted")
        routing_log.record(
            session,
            inst.id,
            "contact",
            "55",
            Decision("102", None, "round_robin", ("rerouted",), sla_due=due + timedelta(hours=1)),
            previous_owner_id="101",
        )
    with transaction(sessions) as session:
        newest = routing_log.latest(session, inst.id, "contact", "55")
        assert newest.owner_id == "102" and newest.previous_owner_id == "101"
        assert routing_log.open_assignments(session, inst.id, "101") == []
