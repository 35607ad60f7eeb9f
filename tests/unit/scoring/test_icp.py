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
        ("x = ", "(file)"),
    ],
)
def test_errors_name_the_key(text, key):
    with pytest.raises(IcpError) as caught:
        load_icp(text)
    assert caught.value.key == key and str(caught.value).startswith(key)
