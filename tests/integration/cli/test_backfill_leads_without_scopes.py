"""`leadq backfill --objects leads` on a HubSpot portal that did not grant leadq the Leads scopes (as
a portal whose plan has no Leads object, or an install made before leadq asked for them): refused with
why and what to do, before anything is backfilled; the rest of the backfill still works there. (The
directory's conftest makes the portal one without the Leads scopes.)"""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from leadq.cli import main
from storage.tables import ScoreRow
from tests.support.sync import worker_env


def test_backfill_of_leads_without_the_leads_scopes_is_refused_with_the_fix(
    leadq_settings, installed, sessions, monkeypatch
) -> None:
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    for asked in ("leads", "Leads", "contact,leads"):
        result = runner.invoke(main, ["backfill", str(installed), "--objects", asked])
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert result.exit_code != 0 and len(errors) == 1 and "Traceback" not in result.output, result.output
        assert errors[0] == (
            "Error: this HubSpot portal did not grant leadq the Leads scopes (crm.objects.leads.read/write):"
            " reinstall leadq (`leadq install-url hubspot`, open the link and approve the Leads access),"
            " then run the backfill again"
        )
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(ScoreRow)) == 0, "refused before any backfill"
    contacts = runner.invoke(main, ["backfill", str(installed), "--objects", "contacts"])
    assert contacts.exit_code == 0 and "contact: 60 records, 60 written" in contacts.output, contacts.output
