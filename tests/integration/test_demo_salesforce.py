"""`leadq demo --crm salesforce`: the whole flow on the sandbox's Salesforce org with a real worker;
the summary's numbers are checked against what the same seeded org holds."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadq.cli import main
from sandbox.server import create_sandbox

RECORDS = 1000


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def _org_truth(seed: int, records: int) -> tuple[int, int, int]:
    """Open leads, contacts and accounts with at least one contact in the org the demo seeds."""
    sandbox = create_sandbox(seed=seed, records=records, portals=0)
    org = sandbox.orgs[sandbox.default_org_id]
    leads = sum(1 for r in org.live("Lead") if not r["IsConverted"])
    contacts = org.live("Contact")
    accounts = {a["Id"] for a in org.live("Account")}
    with_contacts = {c["AccountId"] for c in contacts if c.get("AccountId") in accounts}
    return leads, len(contacts), len(with_contacts)


@pytest.mark.redis
def test_salesforce_demo_scores_writes_and_reconciles_every_record(demo_env) -> None:
    result = CliRunner().invoke(
        main, ["demo", "--crm", "salesforce", "--records", str(RECORDS), "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    leads, contacts, accounts = _org_truth(1, RECORDS)
    assert leads > 0 and contacts > 0 and accounts > 0

    people = re.search(
        r"records scored:\s+([\d,]+) leads and ([\d,]+) contacts\s+"
        r"\(L1 ([\d,]+), L2 ([\d,]+), L3 ([\d,]+), L4 ([\d,]+)\)",
        out,
    )
    assert people, out
    numbers = [_n(n) for n in people.groups()]
    assert numbers[:2] == [leads, contacts]
    assert sum(numbers[2:]) == leads + contacts

    scored_accounts = re.search(
        r"accounts scored:\s+([\d,]+) from their contacts\s+"
        r"\(L1 ([\d,]+), L2 ([\d,]+), L3 ([\d,]+), L4 ([\d,]+)\)",
        out,
    )
    assert scored_accounts, out
    numbers = [_n(n) for n in scored_accounts.groups()]
    assert numbers[0] == accounts == sum(numbers[1:])

    written = re.search(r"written back:\s+([\d,]+) leads, ([\d,]+) contacts and ([\d,]+) accounts", out)
    assert written, out
    assert [_n(n) for n in written.groups()] == [leads, contacts, accounts]
    assert re.search(r"[\d,]+ leads and contacts routed to a rep", out), out

    assert re.search(r"model:\s+m\d+: AUC 0\.\d{3} vs\. rules 0\.\d{3}", out), out
    assert _n(re.search(r"CRM API calls:\s+([\d,]+)", out).group(1)) > 0
    # --no-serve: the servers stopped, so no URL to them; the settings file names the org's HTTPS
    # login (the sandbox serves Salesforce over HTTPS only) and the CA that signs it.
    assert "https://" not in out and "stopped with the demo" in out, out
    settings = Path(re.search(r"export LEADQ_ENV_FILE=(\S+)", out).group(1)).read_text()
    assert re.search(r"^LEADQ_SALESFORCE_LOGIN_BASE=https://127\.0\.0\.1:\d+$", settings, re.MULTILINE)
    assert re.search(r"^LEADQ_CA_BUNDLE=/\S+$", settings, re.MULTILINE)
    assert "admin app:" in out and "time taken:" in out

    reconciled = re.search(r"reconciled: ([\d,]+) of ([\d,]+) records match", out)
    assert reconciled, out
    assert _n(reconciled.group(1)) == _n(reconciled.group(2)) == leads + contacts + accounts
    assert "written wrong" not in out and "never written" not in out
    assert out.rstrip().splitlines()[-1].strip().startswith("reconciled:")


def test_an_unknown_crm_is_refused_clearly() -> None:
    result = CliRunner().invoke(main, ["demo", "--crm", "pipedrive", "--no-serve"])
    assert result.exit_code == 2
    assert "Invalid value for '--crm'" in result.output and "salesforce" in result.output
    assert "Traceback" not in result.output


@pytest.mark.redis
def test_after_the_demo_a_reps_edit_in_the_org_reaches_leadq(demo_env) -> None:
    from leadq import demo as flow

    run = flow.start(600, 5, lambda _line: None, "salesforce")
    try:
        flow.install(run, lambda _line: None)
        flow.train_and_backfill(run, lambda _line: None)
        org = run.crm.sandbox.orgs[run.crm.org_id]
        rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
        scored = [r for r in org.live("Lead") if not r["IsConverted"] and r.get("Title")]
        assert scored and all(r.get("LeadQ_Tier__c") for r in scored)
        lead = min(scored, key=lambda r: float(r["LeadQ_Fit_Score__c"]))  # the most junior title
        before = float(lead["LeadQ_Fit_Score__c"])
        org.update("Lead", lead["Id"], {"Title": "Chief Revenue Officer"}, rep["Id"])

        def fit() -> float:
            return float(org.get("Lead", lead["Id"])["LeadQ_Fit_Score__c"])

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and fit() == before:
            time.sleep(0.2)
        assert fit() > before, "the rep's edit did not reach leadq (no re-score written back)"
        assert all(d.acked for d in run.crm.sandbox.outbound.deliveries)
    finally:
        run.stop()
