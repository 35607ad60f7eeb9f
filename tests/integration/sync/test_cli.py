"""`leadq backfill`, `leadq errors`, `leadq retry` as an admin runs them."""

from __future__ import annotations

from click.testing import CliRunner

from leadq.cli import main
from leadq.storage.tables import DeadLetter
from tests.integration.sync.test_end_to_end import _env


def test_backfill_from_the_command_line(leadq_settings, installed, crm, monkeypatch, sessions):
    for key, value in _env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    preview = runner.invoke(main, ["backfill", str(installed), "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "dry run: nothing was written" in preview.output and "leadq_tier: fill 400" in preview.output
    assert "[##############################] 400/400" in preview.output
    first = runner.invoke(main, ["backfill", str(installed)])
    assert first.exit_code == 0 and "400 records, 400 written" in first.output
    again = runner.invoke(main, ["backfill", str(installed)])
    assert "400 records, 0 written" in again.output
    with sessions.begin() as session:
        session.add(
            DeadLetter(
                installation_id=installed,
                object_type="contact",
                record_id="1001",
                reason="validation",
                message="leadq_tier: INVALID_OPTION",
            )
        )
    errors = runner.invoke(main, ["errors", str(installed)])
    assert "contact 1001 [validation] leadq_tier: INVALID_OPTION" in errors.output
    retried = runner.invoke(main, ["retry", str(installed)])
    assert retried.exit_code == 0 and "retried 1 record(s); 0 still failing" in retried.output
    assert "no unresolved errors" in runner.invoke(main, ["errors", str(installed)]).output
