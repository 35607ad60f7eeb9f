"""Reps a CRM would refuse as owners are named; reps the file itself retires pass."""

from __future__ import annotations

from core.records import CrmKind, Owner
from routing.config import load_routing
from routing.owner_check import rep_problems, retire_inactive

TEAM = """
[[reps]]
owner_id = "1"
name = "Ana Active"
[[reps]]
owner_id = "2"
name = "Rafael Nguyen"
[[reps]]
owner_id = "3"
name = "Ghost Rep"
[[reps]]
owner_id = "4"
name = "Left Already"
active = false
[[reps]]
owner_id = "5"
name = "Queue Rep"
"""
OWNERS = [
    Owner(CrmKind.HUBSPOT, "1", name="Ana Active"),
    Owner(CrmKind.HUBSPOT, "2", name="Rafael Nguyen", active=False),
    Owner(CrmKind.HUBSPOT, "4", name="Left Already", active=False),
    Owner(CrmKind.HUBSPOT, "5", name="Inbound", is_queue=True),
]


def test_unknown_archived_and_queue_owners_are_named() -> None:
    assert rep_problems(load_routing(TEAM), OWNERS) == [
        "rep Rafael Nguyen (owner id 2) is inactive (archived) in the CRM: "
        "remove the rep or set active = false",
        "rep Ghost Rep (owner id 3) is not an owner in the CRM: check the id, or remove the rep",
        "rep Queue Rep (owner id 5) is a queue in the CRM, not a person",
    ]


def test_reps_built_from_the_owner_list_pass() -> None:
    assert rep_problems(load_routing(None, OWNERS), OWNERS) == []


def test_reps_the_crm_deactivated_are_retired_and_others_kept() -> None:
    config = retire_inactive(load_routing(TEAM), OWNERS)
    assert {r.owner_id: r.active for r in config.reps} == {
        "1": True,
        "2": False,
        "3": True,
        "4": False,
        "5": True,
    }
    assert retire_inactive(config, OWNERS) == config
