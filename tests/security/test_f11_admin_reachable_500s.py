"""F11.3-F11.5: what a signed-in admin can send the admin app answers 4xx/503 with a message, never
500: ids beyond the database's INTEGER, hostile ICP/routing TOML, the common-fields form after the
README's own ``[[reps]]`` example, and every button while the broker is down."""

from __future__ import annotations

import html
import tomllib

import pytest

from storage.tables import Installation
from tests.support import admin as admin_support
from tests.support import sync as sync_support
from tests.support.admin import csrf_of, sign_in
from tests.support.admin_worker import DeadBroker

# Fixtures shared with other test directories (tests/support).
accounts = admin_support.accounts
other_installation = admin_support.other_installation
crm = sync_support.crm
ctx = sync_support.ctx
installed = sync_support.installed
runtime = sync_support.runtime

ROUTES = (
    ("get", ""),
    ("get", "/sync.json"),
    ("get", "/leads"),
    ("get", "/leads/contact/1"),
    ("get", "/model"),
    ("get", "/config"),
    ("get", "/errors"),
    ("post", "/reconcile"),
    ("post", "/errors/retry"),
    ("post", "/backfill/preview"),
    ("post", "/backfill/approve"),
    ("post", "/backfill/cancel"),
    ("get", "/backfill/preview.json"),
    ("post", "/backfill/preview/cancel"),
    ("post", "/model/retrain"),
    ("post", "/config"),
)


def test_f11_3_installation_ids_beyond_the_database_integer_are_404(client, accounts) -> None:
    sign_in(client, "alice")
    token = csrf_of(client.get("/").get_data(as_text=True))
    # 2**31: PostgreSQL's INTEGER overflows; 10**20: SQLite's (and Python's int64 binding) overflows
    for huge in (2147483648, 9223372036854775808, 99999999999999999999, 10**40):
        for method, suffix in ROUTES:
            path = f"/installations/{huge}{suffix}"
            answer = client.get(path) if method == "get" else client.post(path, data={"csrf_token": token})
            assert answer.status_code == 404, (path, answer.status_code)
    assert client.get(f"/installations/{accounts['alice']}").status_code == 200


HOSTILE = {
    "deep arrays (20,000)": "x = " + "[" * 20_000 + "]" * 20_000,
    "deep inline tables": "x = " + "{a = " * 3_000 + "1" + "}" * 3_000,
    "inf": "[firmographics.employees]\nmin = inf",
    "nan": "[firmographics.employees]\nmin = nan",
    "5,000-digit integer": "[firmographics.employees]\nmin = " + "9" * 5_000,
    "4,000-digit integer": "[firmographics.employees]\nmax = " + "9" * 4_000,
    "a table given a number": "firmographics = 1",
    "an array of tables for a table": "[[firmographics]]",
    "a date for a number": "[blend]\nfit = 1979-05-27",
}
ROUTING_HOSTILE = {
    "deep arrays (20,000)": "x = " + "[" * 20_000 + "]" * 20_000,
    "steps = 1": "steps = 1",
    "[[pools]]": "[[pools]]",
    "teams = 1": "teams = 1",
    "a team of a number": "[teams]\nemea = 1",
    "a list for a queue name": '[routing]\nfallback_queue = ["a"]',
    "nan capacity floor": "[performance]\nfloor = nan",
    "inf weight": '[[reps]]\nowner_id = "1"\nweight = inf',
    "an hour beyond C int": '[[reps]]\nowner_id = "1"\nworking_hours = { start = "99999999999999999999:00" }',
    "5,000-digit sla": "[sla]\nL1 = " + "9" * 5_000,
}


@pytest.mark.parametrize("which", ["icp", "routing"])
def test_f11_4_hostile_toml_in_the_editor_is_a_400_with_a_message_and_the_text_kept(
    client,
    accounts,
    sessions,
    which: str,
) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}/config").get_data(as_text=True))
    for name, text in (HOSTILE if which == "icp" else ROUTING_HOSTILE).items():
        form = {"csrf_token": token, "icp": "", "routing": ""} | {which: text}
        answer = client.post(f"/installations/{mine}/config", data=form)
        body = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 400, (name, answer.status_code)
        assert f'id="{which}-error"' in body, name
        assert text in body, f"{name}: the text is kept in the form"
    with sessions() as db:
        row = db.get(Installation, mine)
        assert row.pending_icp_toml is None and row.pending_routing_toml is None


README_ROUTING = """[teams.emea]
queue = "emea"

[queues.emea]
owner_id = "123456"          # the CRM queue/owner id leads are parked on
name = "EMEA queue"

[[reps]]
owner_id = "{owner}"
name = "Dana"
team = "emea"
role = "ae"
countries = ["DE", "GB"]
industries = ["software", "healthcare"]
segments = ["mid", "enterprise"]
timezone = "Europe/Berlin"
working_hours = {{ start = "09:00", end = "18:00", days = ["mon", "tue", "wed", "thu", "fri"] }}
pto = ["2026-12-24..2026-12-31"]
open_capacity = 20
weekly_capacity = 60
weight = 1.5
"""


def test_f11_4_common_fields_form_works_after_the_readme_reps_example(
    client,
    accounts,
    ctx,
    sessions,
) -> None:
    from tests.support.admin import FakeCelery

    mine = accounts["alice"]
    owner = next(o.owner_id for o in ctx.adapter.owners() if o.active and not o.is_queue)
    readme = README_ROUTING.format(owner=owner)
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = FakeCelery()
    page = client.get(f"/installations/{mine}/config").get_data(as_text=True)
    token = csrf_of(page)
    saved = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": "", "routing": readme}
    )
    assert saved.status_code == 302, html.unescape(saved.get_data(as_text=True))[:3000]
    page = client.get(f"/installations/{mine}/config")
    assert page.status_code == 200
    form = {
        "csrf_token": token,
        "mode": "fields",
        "industries": "software",
        "countries": "de",
        "employees_min": "10",
        "ideal_from": "100",
        "ideal_to": "1000",
        "employees_max": "5000",
        "pool_L1": "ae",
        "pool_L2": "all",
        "pool_L3": "nurture",
        "pool_L4": "nurture",
        "step_round_robin": "on",
    }
    answer = client.post(f"/installations/{mine}/config", data=form)
    assert answer.status_code == 302, html.unescape(answer.get_data(as_text=True))[:3000]
    with sessions() as db:
        routing = tomllib.loads(db.get(Installation, mine).pending_routing_toml)
    assert routing["pools"]["L2"] == "all" and routing["steps"]["round_robin"] is True
    assert routing["reps"] == tomllib.loads(readme)["reps"], "the reps survive the form unchanged"
    assert routing["reps"][0]["working_hours"]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert client.get(f"/installations/{mine}/config").status_code == 200


def test_f11_5_admin_buttons_while_the_broker_is_down_are_503_with_a_message(
    client,
    accounts,
    sessions,
    leadq_settings,
) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = DeadBroker(leadq_settings)
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    for suffix, extra in (
        ("/backfill/preview", {}),
        ("/errors/retry", {}),
        ("/model/retrain", {}),
        ("/reconcile", {}),
        ("/reconcile", {"fix": "1"}),
        ("/config", {"icp": "[tiers]\nL1 = 90\nL2 = 75\nL3 = 50\n", "routing": ""}),
    ):
        answer = client.post(f"/installations/{mine}{suffix}", data={"csrf_token": token} | extra)
        body = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 503, (suffix, answer.status_code)
        assert "broker" in body and "nothing was" in body.lower(), (suffix, body[:500])
        assert answer.headers.get("Retry-After") == "30"
    with sessions() as db:
        assert db.get(Installation, mine).pending_icp_toml is None
