"""While the demo serves, a second terminal works on it: the CLI, with only the ``export
LEADQ_ENV_FILE=...`` line the summary prints, reads the demo's database and reaches its sandbox CRM;
and the record page the summary links shows a rep the leadq values the CRM holds. One demo run
(600 contacts, a real worker) serves the whole module."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from tests.support.record_page import parse
from tests.support.services import REDIS_URL, service_missing

RECORDS = 600


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[str]]]:
    """The demo started as ``leadq demo`` starts it, serving; with the summary it printed."""
    from leadq import demo as flow

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis", str(exc))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LEADQ_DATA_DIR", str(tmp_path_factory.mktemp("demo")))
        env.setenv("LEADQ_REDIS_URL", REDIS_URL)
        env.delenv("LEADQ_DATABASE_URL", raising=False)
        run = flow.start(RECORDS, 1, lambda _line: None)
        try:
            flow.install(run, lambda _line: None)
            flow.train_and_backfill(run, lambda _line: None)
            yield run, flow.summary(run, serving=True)
        finally:
            run.stop()
            client.close()


def _printed(summary: list[str], pattern: str) -> re.Match[str]:
    found = re.search(pattern, "\n".join(summary))
    assert found, "\n".join(summary)
    return found


def _second_terminal(summary: list[str]) -> dict[str, str]:
    """A shell with no leadq setting but the one the summary says to export."""
    path = _printed(summary, r"export LEADQ_ENV_FILE=(\S+)").group(1)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADQ_")}
    return clean | {"LEADQ_ENV_FILE": path}


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # the leadq command the summary printed
        command, env=env, capture_output=True, text=True, timeout=300, cwd=Path.cwd(), check=False
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def test_the_settings_file_holds_the_demo_and_only_its_owner_reads_it(demo: tuple[Any, list[str]]) -> None:
    run, summary = demo
    path = Path(_second_terminal(summary)["LEADQ_ENV_FILE"])
    assert path.is_absolute() and path == run.env_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for variable in (
        "LEADQ_ENCRYPTION_KEYS",
        "LEADQ_DATABASE_URL",
        "LEADQ_REDIS_PREFIX",
        "LEADQ_HUBSPOT_API_BASE",
    ):
        assert f"\n{variable}=" in text
    assert f"LEADQ_HUBSPOT_API_BASE={run.crm.base_url}\n" in text


def test_the_printed_commands_work_on_the_demo_from_a_second_terminal(demo: tuple[Any, list[str]]) -> None:
    run, summary = demo
    env = _second_terminal(summary)
    commands = _printed(summary, r"then, in a second terminal: (.+)").group(1).split("; ")
    assert [shlex.split(c)[1:] for c in commands] == [
        ["status"],
        ["errors", str(run.installation_id)],
        ["backfill", str(run.installation_id), "--dry-run"],
    ]
    leadq = shlex.split(commands[0])[0]

    status = _run(shlex.split(commands[0]), env)
    assert status.returncode == 0, status.stderr
    assert f"hubspot {run.crm.portal_id}" in status.stdout and f"{RECORDS}/{RECORDS} done" in status.stdout
    # The demo checked the alarms once: status says when, and the summary's count is the store's.
    opened = _printed(summary, r"alarms:\s+(none|\d+) open").group(1)
    monitor = f"{run.url}/installations/{run.installation_id}/monitor"
    assert f"or the Monitoring tab ({monitor})" in "\n".join(summary)
    assert re.search(r"alarms checked (just now|\d+ min ago): ", status.stdout), status.stdout
    listed = _run([shlex.split(commands[0])[0], "alarms", "list", str(run.installation_id)], env)
    count = 0 if listed.stdout == "no open alarm\n" else len(listed.stdout.splitlines())
    assert str(count) == opened or (opened, count) == ("none", 0), listed.stdout

    errors = _run(shlex.split(commands[1]), env)
    assert errors.returncode == 0, errors.stderr
    assert re.search(r"fail", errors.stdout, re.IGNORECASE), errors.stdout

    preview = _run(shlex.split(commands[2]), env)  # reads every record from the sandbox CRM
    assert preview.returncode == 0, preview.stderr
    assert "dry run: nothing was written" in preview.stdout
    # What the CRM holds is what leadq decided.
    assert f"leadq tier: already right {RECORDS:,}" in preview.stdout

    reconcile = _run([leadq, "reconcile", str(run.installation_id)], env)
    assert reconcile.returncode == 0, reconcile.stderr
    matched = re.search(r"reconciled: ([\d,]+) of ([\d,]+) records match", reconcile.stdout)
    assert matched and matched.group(1) == matched.group(2), reconcile.stdout
    assert int(matched.group(1).replace(",", "")) > RECORDS  # contacts and their companies


def test_config_with_a_bad_file_says_what_is_wrong(demo: tuple[Any, list[str]], tmp_path: Path) -> None:
    run, summary = demo
    env = _second_terminal(summary)
    leadq = shlex.split(_printed(summary, r"then, in a second terminal: (\S+)").group(1))[0]
    broken = tmp_path / "icp.toml"
    broken.write_text("firmographics = [\n")
    done = _run([leadq, "config", str(run.installation_id), "--icp", str(broken)], env)
    assert done.returncode == 1 and "not valid TOML" in done.stderr, done.stderr
    broken.write_text('[firmographics]\ntarget_industrys = ["software"]\n')
    done = _run([leadq, "config", str(run.installation_id), "--icp", str(broken)], env)
    assert done.returncode == 1 and "firmographics.target_industrys: unknown key" in done.stderr, done.stderr


def test_the_linked_record_page_shows_the_leadq_values_the_crm_holds(demo: tuple[Any, list[str]]) -> None:
    run, summary = demo
    link = _printed(summary, r"as a rep sees it: (\S+)  \(an L1 contact").group(1)
    contact_id = link.rsplit("/", 1)[1]
    portal = run.crm.sandbox.portals[run.crm.portal_id]
    held = portal.get("contacts", contact_id).props
    assert held["leadq_tier"] == "L1"
    page = requests.get(link, timeout=10)
    assert page.status_code == 200
    cards = parse(page.text)
    group = portal.groups["contacts"]["leadq"]["label"]
    assert [title for title, _rows in cards.cards][:2] == ["About this contact", group]
    shown = cards.card(group)
    defined = portal.properties["contacts"]

    def label(name: str) -> str:
        return str(defined[name]["label"])

    def option(name: str) -> str:
        return next(o["label"] for o in defined[name]["options"] if o["value"] == held[name])

    assert list(shown)[:3] == [label("leadq_tier"), label("leadq_verdict"), label("leadq_probability")]
    assert shown[label("leadq_tier")] == [option("leadq_tier")]
    assert shown[label("leadq_verdict")] == [option("leadq_verdict")]
    assert shown[label("leadq_probability")] == [f"{held['leadq_probability']}%"]
    assert shown[label("leadq_fit_score")] == [held["leadq_fit_score"]]
    assert shown[label("leadq_engagement_score")] == [held["leadq_engagement_score"]]
    assert shown[label("leadq_reasons")] == [
        line for line in held["leadq_reasons"].splitlines() if line.strip()
    ]
    assert len(shown[label("leadq_reasons")]) > 1
    about = cards.card("About this contact")
    assert about["Email"] == [held["email"]]
    index = _printed(summary, r"all records: (\S+)").group(1)
    listed = requests.get(index, timeout=10)
    assert listed.status_code == 200 and f"{RECORDS} records" in listed.text
    assert listed.text.count('href="/contacts/') >= 50  # a page of records, each a link to its page


def test_the_admin_app_shows_the_runs_numbers(demo: tuple[Any, list[str]]) -> None:
    run, summary = demo
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
    scored = _printed(summary, r"records scored:(.*)").group(1)
    tiers = re.findall(r"(L[1-4]) ([\d,]+)", scored)
    assert len(tiers) == 4, scored
    for tier, n in tiers:
        assert f"{tier}: {int(n.replace(',', ''))}" in page
    assert f"{RECORDS} / {RECORDS} - done" in page


def _readme_commands() -> list[str]:
    """The commands of the README's "Using the CLI on the demo" block, as a reader would copy them."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Using the CLI on the demo", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.startswith("leadq ")]


def test_every_command_the_readme_lists_for_the_demo_works_on_it(
    demo: tuple[Any, list[str]], tmp_path: Path
) -> None:
    from scoring.icp import default_icp_text

    run, summary = demo
    env = _second_terminal(summary)
    leadq = shlex.split(_printed(summary, r"then, in a second terminal: (\S+)").group(1))[0]
    leadq = str(Path(leadq).resolve()) if "/" in leadq else leadq  # the commands run in another directory
    commands = _readme_commands()
    assert len(commands) >= 5 and {shlex.split(c)[1] for c in commands} >= {
        "status", "errors", "backfill", "reconcile", "config",
    }  # fmt: skip
    mine = default_icp_text().replace("[firmographics]", "[firmographics]\n# my edit", 1)
    for command in commands:
        args = shlex.split(command)[1:]
        for i, arg in enumerate(args):
            if arg.endswith(".toml"):
                (tmp_path / arg).write_text(mine)
            if arg == "1":  # the README's installation number: the demo's only one
                args[i] = str(run.installation_id)
        done = subprocess.run(
            [leadq, *args], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False
        )
        output = done.stdout + done.stderr
        assert "Traceback" not in output, (command, output)
        assert done.returncode == 0, (command, output)
        assert done.stdout.strip(), (command, "prints what it did")
