"""`leadq backfill`, `leadq errors`, `leadq retry` as an admin runs them."""

from __future__ import annotations

from click.testing import CliRunner

from leadq.cli import main
from storage.tables import DeadLetter
from tests.support.sync import worker_env


def test_backfill_from_the_command_line(leadq_settings, installed, crm, monkeypatch, sessions):
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    preview = runner.invoke(main, ["backfill", str(installed), "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "dry run: nothing was written" in preview.output
    assert "leadq tier: would fill (empty now) 400" in preview.output
    assert "previewing contact records: 400/400" in preview.output  # the progress line, done
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
    assert errors.exit_code == 0, errors.output
    assert f"installation {installed}: 1 failing record, 1 cause" in errors.output
    assert "[1] 1 record: leadq_tier INVALID_OPTION" in errors.output and "e.g. contact 1001" in errors.output
    one = runner.invoke(main, ["errors", str(installed), "--cause", "1"])
    assert "  contact 1001: 1 failed attempt, last " in one.output
    none = runner.invoke(main, ["errors", str(installed), "--cause", "5"])
    assert none.exit_code != 0 and "no cause number 5 for installation" in none.output
    retried = runner.invoke(main, ["retry", str(installed)])
    assert retried.exit_code == 0 and "retried 1 record; 0 still failing" in retried.output
    after = runner.invoke(main, ["errors", str(installed)])
    assert f"installation {installed}: no record is failing" in after.output
    unknown = runner.invoke(main, ["errors", "9"])
    assert unknown.exit_code != 0
    assert "installation 9 does not exist" in unknown.output and "Traceback" not in unknown.output
