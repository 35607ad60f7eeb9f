"""The ICP file: a default that works, overrides merged over it, errors that name the key."""

from __future__ import annotations

import pytest

from scoring.icp import IcpError, load_icp


def test_the_default_icp_loads_and_normalises_industries():
    icp = load_icp()
    assert icp.industry_of("COMPUTER_SOFTWARE") == "software" and icp.industry_of("SaaS") == "software"
    assert (
        icp.industry_of("Hospital & Health Care") == "healthcare"
        and icp.industry_of("Basket weaving") is None
    )
    assert (
        (icp.blend_fit, icp.blend_engagement) == (0.6, 0.4) and icp.min_outcomes == 200 and icp.min_wins == 30
    )


def test_a_short_file_overrides_only_what_it_names():
    icp = load_icp('[disqualifiers]\ncompetitor_domains = ["Rival.io"]\n[persona.seniority]\nmanager = 0.7')
    assert icp.competitor_domains == {"rival.io"}
    assert icp.seniority_weights["manager"] == 0.7 and icp.seniority_weights["vp"] == 1.0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[blend]\nfit = 0.7", "blend"),
        ("[tiers]\nL1 = 50", "tiers"),
        ('[firmographics]\ncountries = ["USA"]', "firmographics.countries"),
        ("[persona.seniority]\nwizard = 1", "persona.seniority.wizard"),
        ("[persona.function]\nsales = 3", "persona.function.sales"),
        ("nope = 1", "nope"),
        ('[firmographics.employees]\nmin = "x"', "firmographics.employees.min"),
        ("[firmographics.employees]\nideal = [500, 50]", "firmographics.employees.ideal"),
        ('[firmographics]\ntarget_industries = ["space"]', "firmographics.target_industries"),
        ("[disqualifiers]\nfree_email = 1", "disqualifiers.free_email"),
        ("[engagement]\nhalf_life_days = 0", "engagement.half_life_days"),
        ("x = ", "ICP file, line 1"),
    ],
)
def test_errors_name_the_key(text, key):
    with pytest.raises(IcpError) as caught:
        load_icp(text)
    assert caught.value.key == key and str(caught.value).startswith(key)


def test_every_problem_is_reported_not_only_the_first():
    text = (
        '[firmographics]\ncountries = ["US", "Germany", "XYZ"]\ntarget_industries = ["widgets"]\n'
        "[firmographics.employees]\nmin = -5\n[blend]\nfit = 3\nwizard = 1\n"
    )
    with pytest.raises(IcpError) as caught:
        load_icp(text)
    keys = [p.key for p in caught.value.problems]
    assert keys == [
        "blend.wizard",
        "firmographics.target_industries",
        "firmographics.employees.min",
        "blend.fit",
        "firmographics.countries",
        "firmographics.countries",
    ], keys
    assert caught.value.key == "blend.wizard" and str(caught.value).count("\n") == len(keys) - 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[firmographics.employees]\nmin = -5", "firmographics.employees.min: must be at least 0, got -5"),
        ("[engagement]\nsaturation = 0", "engagement.saturation: must be at least 1, got 0"),
        ("[tiers]\nL1 = 150", "tiers.L1: must be between 0 and 100, got 150"),
        ("[engagement.weights]\nmeeting = -1", "engagement.weights.meeting: must be 0 or more, got -1"),
        ("[tiers]\nL1 = = 5", "ICP file, line 2: not valid TOML at column 6: invalid value"),
        ('[firmographics]\ncountries = ["Germany"]', "'Germany' is not a two-letter ISO 3166 country code"),
        ('[firmographics]\ncountries = ["XX"]', "'XX' is not an ISO 3166 country code (e.g. US, DE, GB)"),
        (
            '[disqualifiers]\ncountries_not_served = ["UK"]',
            "'UK' is not an ISO 3166 country code (the United Kingdom is GB)",
        ),
    ],
)
def test_messages_say_the_limit_in_words(text, message):
    with pytest.raises(IcpError) as caught:
        load_icp(text)
    assert message in str(caught.value) and "None" not in str(caught.value)


def test_an_unknown_industry_lists_the_known_ones():
    with pytest.raises(IcpError) as caught:
        load_icp('[firmographics]\ntarget_industries = ["software", "widgets"]')
    message = str(caught.value)
    assert "'widgets' is not an industry of this ICP" in message
    assert "use one of software, it_services, internet" in message and "industry_synonyms" in message
