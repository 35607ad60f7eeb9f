"""The routing file's [pipeline_leads]: whether leadq creates HubSpot Leads records and the lead label
each tier sets. Merged over the shipped default; every bad value is reported at once, naming its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.records import Tier
from routing.config import RoutingConfigError, default_text, load_routing
from routing.types import LeadObjectSettings
from tests.support.routing_team import TEAM


def test_by_default_no_lead_is_created_and_tiers_map_to_hot_warm_cold() -> None:
    settings = load_routing().pipeline_leads
    assert settings.create is False
    assert {tier.value: settings.label_for(tier) for tier in Tier} == {
        "L1": "HOT",
        "L2": "WARM",
        "L3": "COLD",
        "L4": "COLD",
    }


def test_the_shipped_default_and_the_types_default_agree() -> None:
    assert load_routing().pipeline_leads == LeadObjectSettings()


def test_a_file_without_the_section_keeps_the_default() -> None:
    assert load_routing(TEAM).pipeline_leads == load_routing().pipeline_leads


def test_creation_on_and_one_label_changed_keeps_the_other_labels() -> None:
    settings = load_routing('[pipeline_leads]\ncreate = true\nlabels = { L3 = "NURTURE" }\n').pipeline_leads
    assert settings.create is True
    assert settings.labels == {Tier.L1: "HOT", Tier.L2: "WARM", Tier.L3: "NURTURE", Tier.L4: "COLD"}


def test_labels_as_their_own_table() -> None:
    text = '[pipeline_leads.labels]\nL1 = "hot_lead"\nL2 = "hot_lead"\n'
    labels = load_routing(text).pipeline_leads.labels
    assert labels[Tier.L1] == labels[Tier.L2] == "hot_lead" and labels[Tier.L4] == "COLD"


def test_a_change_of_the_section_changes_the_source_hash() -> None:
    assert load_routing("[pipeline_leads]\ncreate = true").source_hash != load_routing().source_hash


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[pipeline_leads]\ncreate = "yes"', "pipeline_leads.create", "must be true or false, got 'yes'"),
        ("[pipeline_leads]\ncreate = 1", "pipeline_leads.create", "must be true or false, got 1"),
        ('[pipeline_leads]\nlabels = { L1 = "" }', "pipeline_leads.labels.L1", "not empty"),
        ('[pipeline_leads]\nlabels = { L2 = "   " }', "pipeline_leads.labels.L2", "got '   '"),
        ('[pipeline_leads]\nlabels = { L3 = " COLD" }', "pipeline_leads.labels.L3", "no spaces around it"),
        ("[pipeline_leads]\nlabels = { L4 = 4 }", "pipeline_leads.labels.L4", "got 4"),
        ('[pipeline_leads]\nlabels = { L4 = ["COLD"] }', "pipeline_leads.labels.L4", "internal value"),
        ('[pipeline_leads]\nlabels = { L5 = "ICE" }', "pipeline_leads.labels.L5", "unknown key"),
        ('[pipeline_leads]\nlabels = { l1 = "HOT" }', "pipeline_leads.labels.l1", "unknown key"),
        ('[pipeline_leads]\nlabels = "HOT"', "pipeline_leads.labels", "must be a table"),
        ('[pipeline_leads]\npipeline = "default"', "pipeline_leads.pipeline", "unknown key"),
        ("pipeline_leads = true", "pipeline_leads", "must be a table"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(text: str, key: str, words: str) -> None:
    with pytest.raises(RoutingConfigError) as caught:
        load_routing(text)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ") and words in str(caught.value), str(caught.value)


def test_every_problem_of_the_section_is_reported_with_the_rest_of_the_file() -> None:
    text = (
        '[pools]\nL3 = "everyone"\n'
        "[pipeline_leads]\ncreate = 2\nsurprise = true\n"
        '[pipeline_leads.labels]\nL1 = ""\nL4 = false\n'
    )
    with pytest.raises(RoutingConfigError) as caught:
        load_routing(text)
    keys = [p.key for p in caught.value.problems]
    assert sorted(keys) == sorted(
        [
            "pools.L3",
            "pipeline_leads.surprise",
            "pipeline_leads.create",
            "pipeline_leads.labels.L1",
            "pipeline_leads.labels.L4",
        ]
    ), keys
    assert len(str(caught.value).splitlines()) == 5


def test_labels_the_crm_does_not_offer_are_named_per_tier() -> None:
    settings = load_routing('[pipeline_leads.labels]\nL1 = "hot"\nL2 = "WARM"\n').pipeline_leads
    assert settings.label_problems(["HOT", "WARM", "COLD", "WARM"]) == [
        "pipeline_leads.labels.L1: 'hot' is not a lead label in the CRM (its labels: HOT, WARM, COLD)"
    ]
    assert load_routing().pipeline_leads.label_problems(["COLD", "HOT", "WARM"]) == []
    assert len(settings.label_problems([])) == 4
    assert settings.label_problems([])[0].endswith("(its labels: none)")


def test_the_settings_page_shows_the_shipped_defaults() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "settings.md").read_text(encoding="utf-8")
    block = docs.split("```toml\n[pipeline_leads]", 1)[1].split("```", 1)[0]
    assert load_routing("[pipeline_leads]" + block).pipeline_leads == load_routing().pipeline_leads
    assert tomllib.loads("[pipeline_leads]" + block) == {
        "pipeline_leads": tomllib.loads(default_text())["pipeline_leads"]
    }
