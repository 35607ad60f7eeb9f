"""Owners are checked before they are used: a rep who is archived (or unknown) in the CRM is refused
when a routing configuration is saved or approved, in the admin app and on the command line; and
when the CRM refuses an owner anyway, the record's scores still land and the installation says it is
degraded, with the count and the owner."""

from __future__ import annotations

import html
import re

from click.testing import CliRunner
from sqlalchemy import select

from core.records import ObjectType
from leadq.cli import main
from storage import routing_log
from storage.tables import DeadLetter, Installation, LedgerEntry
from tests.support.admin import csrf_of, sign_in
from tests.support.sync import worker_env
from workers.services.backfill import run_backfill
from workers.services.context import build_context


def routing_with(*owners: dict) -> str:
    reps = "".join(
        f'[[reps]]\nowner_id = "{o["id"]}"\nname = "{o["firstName"]} {o["lastName"]}"\n' for o in owners
    )
    return (
        '[steps]\naccount_owner = false\ndisqualified = false\n[pools]\nL1 = "all"\nL2 = "all"\n'
        'L3 = "all"\nL4 = "all"\n' + reps
    )


def _owners(crm):
    portal = crm.sandbox.portals[crm.portal_id]
    archived = next(o for o in portal.owners if o["archived"])
    active = [o for o in portal.owners if not o["archived"]]
    return portal, archived, active


def _use_cli_env(leadq_settings, monkeypatch) -> None:
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)


def test_the_admin_app_refuses_an_archived_or_unknown_rep(client, accounts, crm, sessions) -> None:
    from tests.support.admin import FakeCelery

    _portal, archived, active = _owners(crm)
    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = fake = FakeCelery()
    token = csrf_of(client.get(f"/installations/{mine}/config").get_data(as_text=True))
    name = f"{archived['firstName']} {archived['lastName']}"
    refused = client.post(
        f"/installations/{mine}/config",
        data={"csrf_token": token, "icp": "", "routing": routing_with(active[0], archived)},
    )
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert f"rep {name} (owner id {archived['id']}) is inactive (archived) in the CRM" in page
    unknown = dict(active[0], id="424242", firstName="Nobody", lastName="Here")
    refused = client.post(
        f"/installations/{mine}/config",
        data={"csrf_token": token, "icp": "", "routing": routing_with(unknown)},
    )
    page = html.unescape(refused.get_data(as_text=True))
    assert "rep Nobody Here (owner id 424242) is not an owner in the CRM" in page
    shown = " ".join(re.sub(r"<[^>]+>", " ", page[page.index('id="routing-error"') :]).split())
    assert '> 1 problem in the routing file: Line 10: owner_id = "424242" rep Nobody Here' in shown, shown
    assert fake.sent == [], "no preview of a refused configuration"
    with sessions() as db:
        assert db.get(Installation, mine).pending_routing_toml is None, "nothing was saved"


def test_approval_refuses_a_rep_archived_since_the_preview(client, accounts, crm, sessions, runtime) -> None:
    from tests.support.admin import FakeCelery
    from workers.services.context import build_context

    _portal, _archived, active = _owners(crm)
    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = FakeCelery()
    token = csrf_of(client.get(f"/installations/{mine}/config").get_data(as_text=True))
    routing = routing_with(active[0], active[1])
    saved = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": "", "routing": routing}
    )
    assert saved.status_code == 302
    preview = build_context(runtime, mine, pending=True)
    run_backfill(preview, ObjectType.CONTACT, dry_run=True)  # the preview: contacts, then companies
    run_backfill(preview, ObjectType.ACCOUNT, dry_run=True)
    active[1]["archived"] = True  # the rep leaves between the preview and the approval
    answer = client.post(
        f"/installations/{mine}/backfill/approve", data={"csrf_token": token}, follow_redirects=True
    )
    page = html.unescape(answer.get_data(as_text=True))
    name = f"{active[1]['firstName']} {active[1]['lastName']}"
    assert "Not approved, nothing was applied" in page and f"rep {name} (owner id {active[1]['id']})" in page
    with sessions() as db:
        row = db.get(Installation, mine)
        assert row.routing_toml != routing and row.pending_routing_toml == routing


def test_leadq_config_and_approve_refuse_an_archived_rep(
    leadq_settings, installed, crm, sessions, monkeypatch, tmp_path
) -> None:
    _use_cli_env(leadq_settings, monkeypatch)
    _portal, archived, active = _owners(crm)
    path = tmp_path / "routing.toml"
    path.write_text(routing_with(active[0], archived))
    runner = CliRunner()
    result = runner.invoke(main, ["config", str(installed), "--routing", str(path)])
    name = f"{archived['firstName']} {archived['lastName']}"
    assert result.exit_code == 1, result.output
    assert "refused, nothing was saved" in result.output
    assert f"rep {name} (owner id {archived['id']}) is inactive (archived) in the CRM" in result.output
    assert "Traceback" not in result.output
    with sessions() as db:
        assert db.get(Installation, installed).pending_routing_toml is None
    # Pending from before the rep left: approval checks again and applies nothing.
    with sessions.begin() as db:
        db.get(Installation, installed).pending_routing_toml = path.read_text()
    result = runner.invoke(main, ["approve", str(installed)])
    assert result.exit_code == 1 and "refused, nothing was applied" in result.output
    with sessions() as db:
        assert db.get(Installation, installed).routing_toml != path.read_text()


def test_an_owner_the_crm_refuses_leaves_the_scores_written_and_the_installation_degraded(
    client, accounts, leadq_settings, crm, sessions, monkeypatch, runtime
) -> None:
    _use_cli_env(leadq_settings, monkeypatch)
    portal, _archived, active = _owners(crm)
    leaving = active[0]
    mine = accounts["alice"]
    with sessions.begin() as db:  # approved while the rep was active
        db.get(Installation, mine).routing_toml = routing_with(leaving)
    assert build_context(runtime, mine).load_routing().rep(leaving["id"]).active  # the owner list, as cached
    leaving["archived"] = True  # then archived in HubSpot, within the cache's lifetime: the CRM refuses
    runner = CliRunner()
    result = runner.invoke(main, ["backfill", str(mine)])
    assert result.exit_code == 0, result.output
    with sessions() as db:
        letters = list(
            db.scalars(
                select(DeadLetter).where(DeadLetter.installation_id == mine, DeadLetter.resolved_at.is_(None))
            )
        )
        owner_rows = db.scalars(
            select(LedgerEntry).where(
                LedgerEntry.installation_id == mine, LedgerEntry.field_key == "hubspot_owner_id"
            )
        ).all()
    refused = {d.record_id for d in letters if d.reason == "owner-refused"}
    assert refused and {d.reason for d in letters} == {"owner-refused"}, {d.reason for d in letters}
    # HubSpot's own words follow the code since dead letters keep them: "field: CODE (message)".
    assert all(
        d.message.startswith(f"owner {leaving['id']}: hubspot_owner_id: INVALID_OWNER_ID") for d in letters
    )
    assert not owner_rows, "the ledger must not record an owner that was never written"
    for record_id in refused:
        props = portal.get("contacts", record_id).props
        assert props.get("leadq_tier") and props.get("leadq_verdict") and props.get("leadq_fit_score")
        assert not props.get("hubspot_owner_id")
    with sessions() as db:  # logged as refused, not as an open assignment the re-routing pass would touch
        statuses = {routing_log.latest(db, mine, "contact", r).status for r in refused}
    assert statuses == {"refused"}
    expected = f"degraded: {len(refused)} records could not be assigned (owner {leaving['id']} inactive)"
    status = runner.invoke(main, ["status"])
    assert expected in status.output, status.output
    sign_in(client, "alice")
    assert expected in html.unescape(client.get("/").get_data(as_text=True))
    assert expected in html.unescape(client.get(f"/installations/{mine}").get_data(as_text=True))
