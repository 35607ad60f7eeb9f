"""Routing config: validated TOML, errors name the key, a sensible default from the owner list."""

from __future__ import annotations

import pytest

from core.records import CrmKind, Owner
from routing.config import RoutingConfigError, load_routing
from tests.support.routing_team import TEAM


def test_the_team_file_loads(config):
    assert len(config.reps) == 7 and config.rep("104").weight == 2.0
    assert config.rep("101").hours.start.hour == 8 and config.team_queues == {"emea": "emea", "na": "na"}
    assert config.tier_pools == {"L1": "ae", "L2": "sdr", "L3": "nurture", "L4": "nurture"}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[[reps]]\nname = "x"', "reps[0].owner_id"),
        ('[[reps]]\nowner_id = "1"\nrole = "boss"', "reps[0].role"),
        ('[[reps]]\nowner_id = "1"\ntimezone = "Mars/Olympus"', "reps[0].timezone"),
        ('[[reps]]\nowner_id = "1"\nweight = 0', "reps[0].weight"),
        ('[[reps]]\nowner_id = "1"\nworking_hours = { start = "9am" }', "reps[0].working_hours.start"),
        ('[[reps]]\nowner_id = "1"\npto = ["2026-13-01"]', "reps[0].pto[0]"),
        ('[[reps]]\nowner_id = "1"\nsegments = ["galactic"]', "reps[0].segments"),
        ('[[reps]]\nowner_id = "1"\nopen_capacity = -1', "reps[0].open_capacity"),
        ('[[reps]]\nowner_id = "1"\nfavourite_colour = "red"', "reps[0].favourite_colour"),
        ('[[reps]]\nowner_id = "1"\n[[reps]]\nowner_id = "1"', "reps"),
        ('[pools]\nL1 = "wizards"', "pools.L1"),
        ("[steps]\nteleport = true", "steps.teleport"),
        ('[routing]\nfallback_queue = "nowhere"', "routing.fallback_queue"),
        ("[performance]\nfloor = 2", "performance"),
        ("[segments]\nsmb = [10, 1]", "segments.smb"),
        ("[sla]\nL1 = 0", "sla.L1"),
        ("bogus = 1", "bogus"),
    ],
)
def test_errors_name_the_key(text, key):
    with pytest.raises(RoutingConfigError) as caught:
        load_routing(text)
    assert caught.value.key == key


def test_without_reps_the_crm_owner_list_routes_everything_fairly():
    owners = [Owner(CrmKind.HUBSPOT, str(i), f"r{i}@x.io", f"Rep {i}", teams=("EMEA",)) for i in range(4)]
    owners.append(Owner(CrmKind.HUBSPOT, "q", None, "Inbound queue", is_queue=True))
    config = load_routing(None, owners)
    assert [r.owner_id for r in config.reps] == ["0", "1", "2", "3"]
    assert config.tier_pools["L1"] == config.tier_pools["L2"] == "all"


def test_the_team_text_is_stable():
    assert load_routing(TEAM).source_hash == load_routing(TEAM).source_hash


def test_every_problem_of_a_routing_file_is_reported():
    text = (
        '[pools]\nL3 = "everyone"\n[[reps]]\nowner_id = "1"\ntimezone = "Mars/Olympus"\n'
        '[[reps]]\nowner_id = "2"\nrole = "ceo"\n'
    )
    with pytest.raises(RoutingConfigError) as caught:
        load_routing(text)
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "pools.L3: must be one of ae, sdr, all, nurture, got 'everyone'",
        "reps[0].timezone: unknown time zone 'Mars/Olympus'",
        "reps[1].role: must be 'ae' or 'sdr', got 'ceo'",
    ], problems


def test_a_routing_syntax_error_names_the_file_and_line():
    with pytest.raises(RoutingConfigError) as caught:
        load_routing('[steps]\ntier_pool = false\n[[reps]\nowner_id = "1"\n')
    assert str(caught.value).startswith("routing file, line 3: not valid TOML at column")
