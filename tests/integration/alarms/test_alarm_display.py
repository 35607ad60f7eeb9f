"""Open alarms as an admin sees them: the banner names three, one line each, and says how many more;
the monitoring page lists them all with what to check; the installations list and ``leadq status`` say
"healthy · N open alarms"; ``leadq alarms`` refuses an unknown installation like ``leadq monitor``."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from leadq.web.monitor_sections import BUILDER_KEY
from storage import alarms
from tests.support import admin_web as admin_web_support
from tests.support.admin_web import cli, make_app, sign_in
from tests.support.monitor_report import monitor_report

people = admin_web_support.people
web_settings = admin_web_support.web_settings

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
NOT_AN_ID = "Error: INSTALLATION must be a number like 1 (see `leadq status`)\n"


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    cause: str
    check_hint: str
    since: datetime | None = None
    details: dict = field(default_factory=dict)


def plant(sessions, installation_id: int, n: int) -> list[Finding]:
    found = [
        Finding(
            "missing_rate",
            f"field_{i}",
            f"'field_{i}' arrives empty: 3% -> 6{i}% of the week's leads",
            f"the form or CRM field mapping that fills field_{i}",
            NOW - timedelta(days=i),
        )
        for i in range(n)
    ]
    with sessions.begin() as db:
        alarms.sync(db, installation_id, found, NOW)
    return found


def visible(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def browser(web_settings, people):
    app = make_app(web_settings)
    app.extensions["leadq"].extras[BUILDER_KEY] = lambda _rt, installation_id, _now: monitor_report(
        installation_id
    )
    client = app.test_client()
    assert sign_in(client, "alice").status_code == 302
    return client


def test_the_banner_names_three_and_the_monitoring_page_all(browser, people, sessions) -> None:
    one = people["one"]
    found = plant(sessions, one, 5)
    page = browser.get(f"/installations/{one}").get_data(as_text=True)
    banner = page.split('id="alarms"')[1].split("</div>")[0]
    assert banner.count("<li") == 3, "at most three alarms in the banner"
    assert "5 open alarms" in visible(banner) and "and 2 more — see Monitoring" in visible(banner)
    assert f'href="/installations/{one}/monitor#open-alarms"' in banner
    shown = html.unescape(banner)
    for i, f in enumerate(found):  # the first raised first (here all raised together, in this order)
        assert (f.cause in shown) == (i < 3), f.cause
        assert (f"check: {f.check_hint}" in visible(banner)) == (i < 3), "what to check, in short"

    monitor = browser.get(f"/installations/{one}/monitor").get_data(as_text=True)
    listed = visible(monitor.split('id="open-alarms"')[1].split("</section>")[0])
    assert "Open alarms (5)" in listed
    for f in found:
        assert (
            f"Field arriving empty ({f.subject}) {f.cause} {f.since:%Y-%m-%d %H:%M} UTC {f.check_hint}"
            in listed
        )
    banner_here = visible(monitor.split('id="alarms"')[1].split("</div>")[0])
    assert "5 open alarms (listed below, with what to check)" in banner_here
    assert "and 2 more (listed below)" in banner_here and "see Monitoring" not in banner_here
    assert (
        'href="/installations/1/monitor#open-alarms"'
        not in monitor.split('id="alarms"')[1].split("</div>")[0]
    )


def test_one_alarm_has_no_more_line(browser, people, sessions) -> None:
    one = people["one"]
    plant(sessions, one, 1)
    banner = browser.get(f"/installations/{one}").get_data(as_text=True).split('id="alarms"')[1]
    banner = visible(banner.split("</div>")[0])
    assert "1 open alarm " in banner and "more" not in banner


def test_the_installations_list_and_status_count_open_alarms(
    browser, people, sessions, web_settings, monkeypatch
):
    one, two = people["one"], people["two"]
    plant(sessions, one, 3)
    page = browser.get("/").get_data(as_text=True)
    text = visible(page)
    assert re.search(r"\d+ healthy · 3 open alarms", text) or "healthy · 3 open alarms" in text, text
    assert f'href="/installations/{one}/monitor#open-alarms">3 open alarms</a>' in page
    assert text.count("open alarm") == 1, "the installation without alarms says nothing of them"

    status = cli(web_settings, monkeypatch, ["status", str(one)])
    assert status.exit_code == 0, status.output
    assert status.output.splitlines()[0] == f"#{one} hubspot 20007000: healthy · 3 open alarms"
    other = cli(web_settings, monkeypatch, ["status", str(two)]).output.splitlines()[0]
    assert "alarm" not in other


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["list", "99"], "Error: there is no installation 99: `leadq status` lists them\n"),
        (["list", "abc"], NOT_AN_ID),
        (["list", "-1"], NOT_AN_ID),
        (
            ["webhook", "99", "https://hooks.example.com/x"],
            "Error: there is no installation 99: `leadq status` lists them\n",
        ),
        (["webhook", "abc", "--clear"], NOT_AN_ID),
        (["webhook", "99", "--clear"], "Error: there is no installation 99: `leadq status` lists them\n"),
    ],
)
def test_alarms_refuses_an_unknown_installation(web_settings, people, monkeypatch, args, said) -> None:
    result = cli(web_settings, monkeypatch, ["alarms", *args])
    assert result.exit_code == 2, result.output
    assert result.output == said


def test_alarms_list_of_every_installation_still_works(web_settings, people, sessions, monkeypatch) -> None:
    assert cli(web_settings, monkeypatch, ["alarms", "list"]).output == "no open alarm\n"
    plant(sessions, people["one"], 1)
    listed = cli(web_settings, monkeypatch, ["alarms", "list", str(people["one"])])
    assert listed.exit_code == 0 and "alarm Field arriving empty (field_0)" in listed.output
