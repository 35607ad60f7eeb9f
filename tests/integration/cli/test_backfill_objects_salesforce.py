"""`leadq backfill --objects` on a Salesforce installation: "leads" keeps meaning Salesforce's Leads
(HubSpot's Leads object is another thing, only HubSpot's), and an unknown name lists Salesforce's."""

from __future__ import annotations

from click.testing import CliRunner

from leadq.cli import main
from tests.support.salesforce import crm, installed, leadq_settings, org_of  # noqa: F401 - fixtures
from tests.support.sync import worker_env


def test_leads_are_salesforce_leads(leadq_settings, installed, crm, monkeypatch) -> None:  # noqa: F811
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    leads = sum(1 for r in org_of(crm).live("Lead") if not r["IsConverted"])
    runner = CliRunner()
    preview = runner.invoke(main, ["backfill", str(installed), "--objects", "leads", "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert "previewing lead records" in preview.output and "contact records" not in preview.output
    assert f"Per field ({leads:,} records)" in preview.output
    assert f"leadq tier: would fill (empty now) {leads:,}" in preview.output
    wrong = runner.invoke(main, ["backfill", str(installed), "--objects", "pipeline_lead"])
    assert wrong.exit_code != 0 and "Traceback" not in wrong.output
    refused = "'pipeline_lead' is not scored in this CRM (Salesforce); choose from lead, contact, account"
    assert refused in wrong.output
