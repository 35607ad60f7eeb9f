"""F12: NaN and infinity are refused in the ICP and routing configuration (NaN passes every < and >
check), and an over-long configuration is refused with the limit named: never silently cut."""

from __future__ import annotations

import html

import pytest

from routing.config import RoutingConfigError, load_routing
from scoring.icp import IcpError, load_icp
from storage.tables import Installation
from tests.support import admin as admin_support
from tests.support import sync as sync_support
from tests.support.admin import csrf_of, sign_in

# Fixtures shared with other test directories (tests/support).
accounts = admin_support.accounts
other_installation = admin_support.other_installation
crm = sync_support.crm
installed = sync_support.installed

ICP_LIMIT = ROUTING_LIMIT = 400_000  # characters per file (core.config_text.MAX_TEXT_CHARS)
ICP_NAN = (
    "[blend]\nfit = nan\nengagement = nan",
    "[persona.seniority]\nvp = nan",
    "[persona.function]\nsales = inf",
    "[tiers]\nL1 = nan",
    "[firmographics.revenue]\nideal = [0, inf]",
    "[engagement.weights]\nmeeting = -inf",
    "[engagement]\nsaturation = inf",
)
ROUTING_NAN = (
    "[performance]\ncap = inf",
    "[performance]\nprior = nan",
    '[[reps]]\nowner_id = "1"\nweight = nan',
)


def test_f12_nan_and_inf_are_refused_by_the_loaders() -> None:
    for text in ICP_NAN:
        with pytest.raises(IcpError, match="finite"):
            load_icp(text)
    for text in ROUTING_NAN:
        with pytest.raises(RoutingConfigError, match="finite"):
            load_routing(text)


def test_f12_nan_and_inf_are_refused_by_the_editor(client, accounts, sessions) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}/config").get_data(as_text=True))
    cases = [("icp", t) for t in ICP_NAN] + [("routing", t) for t in ROUTING_NAN]
    for which, text in cases:
        form = {"csrf_token": token, "icp": "", "routing": ""} | {which: text}
        answer = client.post(f"/installations/{mine}/config", data=form)
        body = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 400 and "must be a finite number" in body, (text, answer.status_code)
    with sessions() as db:
        row = db.get(Installation, mine)
        assert row.pending_icp_toml is None and row.pending_routing_toml is None


def test_f12_over_long_configuration_is_refused_with_the_limit_named_never_cut(
    client,
    accounts,
    sessions,
) -> None:
    from tests.support.admin import FakeCelery

    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = FakeCelery()
    token = csrf_of(client.get(f"/installations/{mine}/config").get_data(as_text=True))
    # 242,055 characters (the review's 2,000-rep file was this long): under the limit, kept whole
    long_but_fine = "[steps]\ntier_pool = false\n" + ("# note " + "x" * 113 + "\n") * 2_000
    assert 100_000 < len(long_but_fine) < ROUTING_LIMIT
    saved = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": "", "routing": long_but_fine}
    )
    assert saved.status_code == 302
    with sessions() as db:
        assert db.get(Installation, mine).pending_routing_toml == long_but_fine, "saved whole, not cut"
    for which, limit in (("icp", ICP_LIMIT), ("routing", ROUTING_LIMIT)):
        too_long = "# " + "y" * limit + "\n"
        form = {"csrf_token": token, "icp": "", "routing": ""} | {which: too_long}
        answer = client.post(f"/installations/{mine}/config", data=form)
        body = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 400, which
        assert f"the limit is {limit:,}" in body and f"{len(too_long):,} characters" in body, which
    with sessions() as db:
        assert db.get(Installation, mine).pending_routing_toml == long_but_fine, (
            "the refused texts saved nothing"
        )
