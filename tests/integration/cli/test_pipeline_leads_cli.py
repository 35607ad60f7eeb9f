"""`leadq status` and `leadq backfill --objects` with HubSpot's Leads records, run in-process as an
operator runs them (the environment holds the settings): the status of one installation counts its
Leads records per tier beside its contacts; `--objects leads` backfills HubSpot's Leads records; an
unknown name lists the names this CRM takes, and nothing is backfilled when a name is refused. (A
portal without the Leads scopes: test_backfill_leads_without_scopes.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from core.settings import Settings
from leadq.cli import main
from storage import lead_directory, scores
from storage.lead_directory import LeadFacts
from storage.scores import NewScore
from storage.tables import ScoreRow
from tests.support.sync import worker_env

NO_SUCH = 999  # an installation id no test database holds
LEADS_SCOPES = Settings.model_fields["hubspot_optional_scopes"].default  # leadq's default: the Leads scopes
OPEN_STAGES = {"new-stage-id", "attempting-stage-id", "connected-stage-id"}  # the default lead pipeline's


@pytest.fixture
def leadq_settings(leadq_settings):
    """leadq asks for the optional Leads scopes, as it does by default (the directory's conftest
    does not)."""
    return leadq_settings.model_copy(update={"hubspot_optional_scopes": LEADS_SCOPES})


@pytest.fixture
def leadq_cli(leadq_settings, monkeypatch):
    """`leadq ARGS` in-process, with the installed leadq's settings in the environment."""
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args])


def _score(object_type: str, record_id: str, tier: str) -> NewScore:
    return NewScore(
        object_type=object_type,
        record_id=record_id,
        record_version="",
        fit=70.0,
        engagement=40.0,
        probability=None,
        tier=tier,
        verdict="sales_ready" if tier == "L1" else "nurture",
        confidence="medium",
        reasons=[["firmographic.industry", 0.3, "Industry is Software"]],
        model_version="rules-v1",
        scored_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def _refused(result: Result) -> str:
    """The one error line of a refused command (no traceback)."""
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert result.exit_code != 0 and len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


def test_status_of_one_installation_counts_leads_records_per_tier(leadq_cli, installed, sessions) -> None:
    tiers = {
        "contact": ["L1", "L1", "L2", "L3", "L4"],
        "pipeline_lead": ["L1", "L2", "L2"],
        "account": ["L2"],
    }
    with sessions.begin() as db:
        for object_type, shown in tiers.items():
            for n, tier in enumerate(shown):
                scores.add(db, installed, _score(object_type, str(800 + n), tier))
        lead_directory.record(db, installed, [LeadFacts("pipeline_lead", "800", name="Inbound demo")])

    status = leadq_cli("status", installed)
    assert status.exit_code == 0, status.output
    lines = [line.strip() for line in status.output.splitlines()]
    assert lines[0].startswith(f"#{installed} hubspot ")
    assert "contacts scored: 5 (L1 2, L2 1, L3 1, L4 1)" in lines
    assert "Leads records scored: 3 (L1 1, L2 2)" in lines
    assert "companies scored: 1 (L2 1)" in lines
    assert lines.index("contacts scored: 5 (L1 2, L2 1, L3 1, L4 1)") < lines.index(
        "Leads records scored: 3 (L1 1, L2 2)"
    )
    assert "pipeline_lead" not in status.output and "None" not in status.output
    assert leadq_cli("status").output == status.output, "one installation: the same lines as all of them"
    assert f"there is no installation {NO_SUCH}" in _refused(leadq_cli("status", NO_SUCH))


def test_backfill_of_leads_scores_every_open_leads_record_and_status_counts_them(
    leadq_cli, installed, crm
) -> None:
    """With the Leads scopes granted (leadq asks for them; the sandbox grants them), `--objects leads`
    pages through HubSpot's Leads records and scores the open ones with their contacts."""
    truth = crm.sandbox.truth[crm.portal_id].leads
    open_leads = {i for i, t in truth.items() if t["stage"] in OPEN_STAGES}
    assert open_leads, "the seed has open leads"
    done = leadq_cli("backfill", installed, "--objects", "leads")
    assert done.exit_code == 0, done.output
    summary = [line for line in done.output.splitlines() if line.startswith("Leads records: ")]
    assert summary and summary[-1].startswith(f"Leads records: {len(truth)} records, "), done.output
    assert "pipeline_lead" not in done.output
    status = leadq_cli("status", installed).output
    assert f"Leads records scored: {len(open_leads)} (" in status, status
    assert "contacts scored: " in status, "the leads' contacts are scored with them"


def test_backfill_of_an_unknown_object_lists_this_crms_names(leadq_cli, installed, sessions) -> None:
    line = _refused(leadq_cli("backfill", installed, "--objects", "contacts,deals"))
    assert line == (
        "Error: 'deals' is not scored in this CRM (HubSpot); choose from "
        "contact, leads (HubSpot's Leads object), account"
    )
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(ScoreRow)) == 0, "the contacts were not started"


def test_backfill_of_companies_by_hubspots_name(leadq_cli, installed, crm, sessions) -> None:
    """HubSpot's own words are accepted: "companies" is the account object."""
    result = leadq_cli("backfill", installed, "--objects", "companies", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "previewing account records" in result.output and "dry run: nothing was written" in result.output
