"""`leadq admin create` / `grant` as a self-hosting admin runs them."""

from __future__ import annotations

from click.testing import CliRunner

from leadq.cli import main
from tests.support.admin import sign_in
from tests.support.sync import worker_env


def test_create_and_grant(leadq_settings, installed, client, monkeypatch) -> None:
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    short = runner.invoke(main, ["admin", "create", "carol", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    secret = "a long enough secret\n"
    made = runner.invoke(main, ["admin", "create", "Carol", "--password-stdin"], input=secret)
    assert made.exit_code == 0 and "admin 'carol' created" in made.output
    again = runner.invoke(main, ["admin", "create", "carol", "--password-stdin"], input=secret)
    assert again.exit_code != 0 and "exists already" in again.output
    assert sign_in(client, "carol", "a long enough secret").status_code == 302
    assert f"/installations/{installed}" not in client.get("/").get_data(as_text=True)
    granted = runner.invoke(main, ["admin", "grant", "carol", str(installed)])
    assert granted.exit_code == 0, granted.output
    assert f"/installations/{installed}" in client.get("/").get_data(as_text=True)
    assert runner.invoke(main, ["admin", "grant", "carol", "999"]).exit_code != 0


def test_status_config_and_approve(leadq_settings, installed, monkeypatch, tmp_path, sessions) -> None:
    from storage.tables import Installation

    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    status = runner.invoke(main, ["status"])
    assert (
        status.exit_code == 0
        and f"#{installed} hubspot" in status.output
        and "ICP rules (no model yet)" in status.output
    )
    bad = tmp_path / "bad.toml"
    bad.write_text("[firmographics]\ntarget_industries = 5\n")
    refused = runner.invoke(main, ["config", str(installed), "--icp", str(bad)])
    assert refused.exit_code != 0 and "firmographics.target_industries" in refused.output
    good = tmp_path / "icp.toml"
    good.write_text('[firmographics]\ntarget_industries = ["healthcare"]\n')
    saved = runner.invoke(main, ["config", str(installed), "--icp", str(good)])
    assert saved.exit_code == 0, saved.output
    assert "contact (400 records)" in saved.output
    assert "leadq tier: would fill (empty now) 400" in saved.output
    assert "configuration pending approval" in runner.invoke(main, ["status"]).output
    approved = runner.invoke(main, ["approve", str(installed)])
    assert approved.exit_code == 0 and "applied" in approved.output
    with sessions() as db:
        assert db.get(Installation, installed).icp_toml == good.read_text()
    assert runner.invoke(main, ["approve", str(installed)]).exit_code != 0, "nothing pending any more"


def test_f2_cli_approve_applies_only_a_previewed_configuration(
    leadq_settings, installed, monkeypatch, tmp_path, sessions
) -> None:
    """The CLI's Approve holds the admin app's rule: no preview, or a preview of another
    configuration (saved again in the admin app after `leadq config`), applies nothing."""
    from storage.tables import Installation

    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    with sessions.begin() as db:  # pending, never previewed
        db.get(Installation, installed).pending_icp_toml = "[tiers]\nL1 = 90\n"
    refused = runner.invoke(main, ["approve", str(installed)])
    assert refused.exit_code == 1 and "has no finished preview" in refused.output, refused.output
    good = tmp_path / "icp.toml"
    good.write_text('[firmographics]\ntarget_industries = ["healthcare"]\n')
    assert runner.invoke(main, ["config", str(installed), "--icp", str(good)]).exit_code == 0
    with sessions.begin() as db:  # saved again elsewhere after the preview
        db.get(Installation, installed).pending_icp_toml = "[tiers]\nL1 = 90\n"
    refused = runner.invoke(main, ["approve", str(installed)])
    assert refused.exit_code == 1 and "changed after its preview" in refused.output, refused.output
    assert "Traceback" not in refused.output
    with sessions() as db:
        assert db.get(Installation, installed).icp_toml is None, "nothing was applied"
