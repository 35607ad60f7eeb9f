"""`leadq backfill` on a Salesforce installation: leads, then contacts, by default."""

from __future__ import annotations

from click.testing import CliRunner

from leadq.cli import main
from tests.support.salesforce import org_of
from tests.support.sync import worker_env


def test_backfill_leads_and_contacts_from_the_command_line(
    leadq_settings, installed, crm, monkeypatch
) -> None:
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    org = org_of(crm)
    leads = sum(1 for r in org.live("Lead") if not r["IsConverted"])
    contacts = len(org.live("Contact"))
    runner = CliRunner()
    preview = runner.invoke(main, ["backfill", str(installed), "--dry-run"])
    assert preview.exit_code == 0, preview.output
    for n in (leads, contacts):
        assert f"leadq tier: would fill (empty now) {n:,}" in preview.output, preview.output
    first = runner.invoke(main, ["backfill", str(installed)])
    assert first.exit_code == 0, first.output
    assert f"lead: {leads} records, {leads} written" in first.output
    assert f"contact: {contacts} records, {contacts} written" in first.output
    again = runner.invoke(main, ["backfill", str(installed), "--objects", "lead"])
    assert f"lead: {leads} records, 0 written" in again.output and "contact:" not in again.output
    assert "account: " in first.output, "the backfill scores the accounts after the people"
    wrong = runner.invoke(main, ["backfill", str(installed), "--objects", "deal"])
    assert wrong.exit_code != 0 and "not scored in this CRM" in wrong.output
    assert "lead, contact, account" in wrong.output
