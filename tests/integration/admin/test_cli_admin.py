"""`leadq admin create` / `grant` as a self-hosting admin runs them."""

from __future__ import annotations

from click.testing import CliRunner

from leadq.cli import main
from tests.integration.admin.conftest import sign_in
from tests.integration.sync.test_end_to_end import _env


def test_create_and_grant(leadq_settings, installed, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for key, value in _env(leadq_settings).items():
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
