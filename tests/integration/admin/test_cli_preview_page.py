"""A configuration changed on the command line, as the Sync page then shows it: `leadq config`
previews what the admin app's preview covers (the contacts, then their companies), so the page counts
that preview finished, not stopped for want of a worker; `leadq approve` (or `--cancel`) takes the
preview away with the pending configuration, so no stale preview card nor "is a worker running?"
stays on the page, and `leadq status` no longer lists it."""

from __future__ import annotations

import html
import time

import pytest
from click.testing import CliRunner

from leadq.app import create_app
from leadq.cli import main
from storage.tables import Installation
from tests.support.admin import sign_in
from tests.support.sync import worker_env

LOST_AFTER_S = 1.0  # "no sign of a worker for 1 s" stands for the default 30 s
WORKER_DOWN = "Is a worker running?"


def _reps(crm) -> str:
    active = [o for o in crm.sandbox.portals[crm.portal_id].owners if not o["archived"]][:3]
    reps = "".join(
        f'[[reps]]\nowner_id = "{o["id"]}"\nname = "{o["firstName"]} {o["lastName"]}"\nrole = "ae"\n'
        for o in active
    )
    return '[pools]\nL1 = "all"\nL2 = "all"\nL3 = "all"\nL4 = "all"\n' + reps


def _sync_section(client, installation: int) -> str:
    page = html.unescape(client.get(f"/installations/{installation}").get_data(as_text=True))
    return page.split('id="preview"')[1].split("</section>")[0]


@pytest.fixture
def cli(leadq_settings, monkeypatch) -> CliRunner:
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    return CliRunner()


@pytest.fixture
def page(leadq_settings, accounts):
    quick = create_app(leadq_settings.model_copy(update={"worker_lost_after_s": LOST_AFTER_S}))
    client = quick.test_client()
    sign_in(client, "alice")
    return client


@pytest.mark.redis
def test_a_routing_change_made_with_the_cli_leaves_no_worker_warning(
    cli, page, accounts, crm, tmp_path, sessions
) -> None:
    mine = accounts["alice"]
    routing = tmp_path / "reps.toml"
    routing.write_text(_reps(crm))
    saved = cli.invoke(main, ["config", str(mine), "--routing", str(routing)])
    assert saved.exit_code == 0, saved.output
    assert "  contact (400 records):" in saved.output and "  account (" in saved.output, saved.output
    time.sleep(LOST_AFTER_S + 0.5)  # long past any sign of a worker: none was needed
    previewed = _sync_section(page, mine)
    assert "Preview of 400 contacts, 100 companies with the new ICP and routing" in previewed, previewed
    assert "Approve and write" in previewed
    assert WORKER_DOWN not in previewed and "stopped at" not in previewed

    approved = cli.invoke(main, ["approve", str(mine)])
    assert approved.exit_code == 0 and approved.output.startswith("applied;"), approved.output
    with sessions() as db:
        assert db.get(Installation, mine).routing_toml == routing.read_text()
    time.sleep(LOST_AFTER_S + 0.5)
    after = _sync_section(page, mine)
    assert "Preview of" not in after and "Cancel the preview" not in after, after
    assert WORKER_DOWN not in after and "Approve and write" not in after
    assert "A preview comes first; nothing is written until you approve it." in after
    status = cli.invoke(main, ["status"]).output
    assert "preview contact" not in status and "configuration pending approval" not in status, status


@pytest.mark.redis
def test_a_configuration_discarded_with_the_cli_takes_its_preview_away(
    cli, page, accounts, crm, tmp_path
) -> None:
    mine = accounts["alice"]
    routing = tmp_path / "reps.toml"
    routing.write_text(_reps(crm))
    assert cli.invoke(main, ["config", str(mine), "--routing", str(routing)]).exit_code == 0
    discarded = cli.invoke(main, ["approve", str(mine), "--cancel"])
    assert discarded.exit_code == 0 and "discarded with its preview" in discarded.output
    after = _sync_section(page, mine)
    assert "Preview of" not in after and "Approve and write" not in after, after
    assert WORKER_DOWN not in after
