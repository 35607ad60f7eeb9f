"""`leadq demo`: the whole flow on the sandbox with a real worker, and an admin app showing the
run's own numbers."""

from __future__ import annotations

import re

import pytest
import requests
from click.testing import CliRunner

from leadq.cli import main


@pytest.mark.redis
def test_demo_no_serve_runs_the_whole_flow(demo_env) -> None:
    result = CliRunner().invoke(main, ["demo", "--records", "1000", "--no-serve"])
    assert result.exit_code == 0, result.output
    out = result.output
    scored = re.search(
        r"records scored:\s+([\d,]+) contacts\s+\(L1 ([\d,]+), L2 ([\d,]+), L3 ([\d,]+), L4 ([\d,]+)\)", out
    )
    assert scored, out
    numbers = [int(n.replace(",", "")) for n in scored.groups()]
    assert numbers[0] == 1000 == sum(numbers[1:])
    assert re.search(r"written back:\s+1,000 contacts and [\d,]+ companies", out)
    assert re.search(r"model:\s+m\d+: AUC 0\.\d{3} vs\. rules 0\.\d{3}", out), out
    calls = int(re.search(r"CRM API calls:\s+([\d,]+)", out).group(1).replace(",", ""))
    assert 0 < calls < 200
    assert "admin app:" in out and "time taken:" in out


@pytest.mark.redis
def test_the_admin_app_shows_the_runs_numbers(demo_env) -> None:
    from leadq import demo as flow

    lines: list[str] = []
    run = flow.start(600, 3, lines.append)
    try:
        flow.install(run, lines.append)
        flow.train_and_backfill(run, lines.append)
        summary = "\n".join(flow.summary(run))
        browser = requests.Session()
        login = browser.get(f"{run.url}/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        signed = browser.post(
            f"{run.url}/login",
            timeout=10,
            data={"username": "demo", "password": run.admin_password, "csrf_token": token},
        )
        assert signed.status_code == 200 and "Installations" in signed.text
        page = browser.get(f"{run.url}/installations/{run.installation_id}", timeout=10).text
        for tier, n in re.findall(r"(L[1-4]) ([\d,]+)", summary.split("records scored:")[1].split("\n")[0]):
            assert f"{tier}: {int(n.replace(',', ''))}" in page
        assert "600 / 600 - done" in page
    finally:
        run.stop()
