"""Routing health on a hand-made routing log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitoring.report import Note
from monitoring.routing_health import routing_health
from tests.unit.monitoring.build import NOW, monitor_input, rep, routing

DAY = NOW - timedelta(days=3)


def _assigned(created_minutes: float, touched_minutes: float | None, **more: object) -> dict[str, object]:
    return {
        "decided_at": DAY,
        "created_at": DAY - timedelta(minutes=created_minutes),
        "first_touch_at": None if touched_minutes is None else DAY + timedelta(minutes=touched_minutes),
        "owner": "a",
        "status": "worked" if touched_minutes is not None else "assigned",
        **more,
    }


def test_percentiles_of_assignment_and_first_touch_times_by_hand() -> None:
    log = routing(
        [
            _assigned(1, 10),
            _assigned(2, 20),
            _assigned(3, 30),
            _assigned(4, None),
            _assigned(100, None),
            # parked: not an assignment, left out of both times
            {
                "decided_at": DAY,
                "created_at": DAY - timedelta(hours=9),
                "queue": "fallback",
                "status": "parked",
            },
            # older than 28 days: outside the window
            _assigned(1000, 1000, decided_at=NOW - timedelta(days=29)),
        ]
    )
    health = routing_health(monitor_input(routing=log, fallback_queues=frozenset({"fallback"})), [])
    # created -> assigned: 1, 2, 3, 4, 100 minutes; nearest rank p50 = 3rd, p90 = 5th
    assert (health.created_to_assigned.p50_minutes, health.created_to_assigned.p90_minutes) == (3, 100)
    assert health.created_to_assigned.n == 5
    # assigned -> first touch: 10, 20, 30; p50 = 2nd, p90 = 3rd
    assert (health.assigned_to_first_touch.p50_minutes, health.assigned_to_first_touch.p90_minutes) == (
        20,
        30,
    )
    assert health.assigned_to_first_touch.n == 3
    assert health.decisions == 6


def test_parked_share_counts_fallback_queues_only_and_per_queue() -> None:
    rows = [_assigned(1, 1)] * 6 + [
        {"queue": "emea-fallback", "status": "parked"},
        {"queue": "emea-fallback", "status": "parked"},
        {"queue": "na-fallback", "status": "parked"},
        {"queue": "sdr-inbox", "status": "parked"},  # a working queue, not a fallback
    ]
    fallbacks = frozenset({"emea-fallback", "na-fallback"})
    health = routing_health(monitor_input(routing=routing(rows), fallback_queues=fallbacks), [])
    # Of the 9 decisions meant for a rep (6 assigned, 3 parked for want of one), 3 parked; the lead
    # parked in a working queue took its intended route and is not counted either way.
    assert health.meant_for_reps == 9
    assert health.parked_share == pytest.approx(3 / 9)
    assert health.parked_by_queue == {"emea-fallback": 2, "na-fallback": 1}


def test_sla_breaches_reassignments_and_inactive_owners() -> None:
    due = DAY + timedelta(hours=4)
    rows = [
        {"decided_at": DAY, "sla_due": due, "status": "assigned", "owner": "a"},  # open, past due: breach
        {"decided_at": DAY, "sla_due": due, "first_touch_at": due + timedelta(minutes=1), "status": "worked"},
        {"decided_at": DAY, "sla_due": due, "first_touch_at": due - timedelta(hours=1), "status": "worked"},
        {"decided_at": NOW - timedelta(hours=1), "sla_due": NOW + timedelta(hours=3), "status": "assigned"},
        {"decided_at": DAY, "sla_due": due, "status": "rerouted"},  # moved on: not open
        {"decided_at": DAY, "status": "overridden", "owner": "gone"},
        {"decided_at": DAY, "status": "assigned", "owner": "gone"},
        {"decided_at": NOW - timedelta(days=60), "status": "assigned", "owner": "gone"},  # still open today
        {"decided_at": DAY, "status": "worked", "owner": "gone"},
    ]
    data = monitor_input(routing=routing(rows), reps=[rep("a"), rep("gone", active=False)])
    health = routing_health(data, [])
    assert health.sla_breaches == 2
    assert health.reassignments == 2
    assert health.inactive_owner_leads == {"gone": 2}


def test_load_rows_count_this_weeks_assignments_against_capacity() -> None:
    monday = NOW.replace(hour=0)  # NOW is a Monday
    rows = [
        {"decided_at": monday + timedelta(hours=1), "owner": "a"},
        {"decided_at": monday + timedelta(hours=2), "owner": "a", "status": "worked"},
        {"decided_at": monday + timedelta(hours=3), "owner": "a", "status": "refused"},
        {"decided_at": monday - timedelta(hours=1), "owner": "a"},  # last week
        {"decided_at": monday + timedelta(hours=1), "owner": "b"},
    ]
    reps = [rep("a", open_leads=12, open_capacity=40, weekly_capacity=100, name="Ada"), rep("b")]
    health = routing_health(monitor_input(routing=routing(rows), reps=reps), [])
    first = health.load[0]
    assert (first.owner_id, first.name, first.assigned_this_week) == ("a", "Ada", 2)
    assert (first.open_leads, first.open_capacity, first.weekly_capacity, first.active) == (12, 40, 100, True)
    assert health.load[1].assigned_this_week == 1


def test_no_decisions_gives_undefined_shares_not_zero() -> None:
    notes: list[Note] = []
    health = routing_health(monitor_input(), notes)
    assert health.parked_share is None
    assert health.created_to_assigned.p50_minutes is None and health.created_to_assigned.n == 0
    assert health.decisions == 0 and health.sla_breaches == 0
    assert any("no routing decisions" in note.text for note in notes)


def test_nurture_parking_is_the_intended_route_not_a_lead_nobody_took() -> None:
    """The demo's shape: most leads go to nurture by design; the parked share is of the others."""
    rows = [_assigned(1, 1)] * 3 + [{"queue": "nurture", "status": "parked"}] * 97
    rows += [{"queue": "fallback", "status": "parked"}]
    health = routing_health(monitor_input(routing=routing(rows), fallback_queues=frozenset({"fallback"})), [])
    assert health.decisions == 101 and health.meant_for_reps == 4
    assert health.parked_share == pytest.approx(1 / 4)


def test_records_created_before_leadq_was_installed_say_nothing_of_routing_speed() -> None:
    """A backfill routes records the CRM created long ago: created-to-assigned counts only those
    created once leadq was installed."""
    installed = DAY - timedelta(hours=1)
    rows = [_assigned(30, None), _assigned(50, None), _assigned(60 * 24 * 400, None)]
    health = routing_health(monitor_input(routing=routing(rows), installed_at=installed), [])
    assert health.created_to_assigned.n == 2
    assert health.created_to_assigned.p90_minutes == pytest.approx(50)
    everything = routing_health(monitor_input(routing=routing(rows)), [])
    assert everything.created_to_assigned.n == 3
