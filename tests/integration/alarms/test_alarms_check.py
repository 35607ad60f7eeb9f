"""Whether the alarms are being checked, and delivered, is visible: ``leadq alarms check`` runs beat's
evaluation now (the real monitoring report on the store); each evaluation's time shows in ``leadq
status`` and ``/metrics``; the webhook's last delivery (a failure included) shows in ``leadq status``,
on the configuration page and in ``/metrics``; ``leadq alarms webhook --test`` tries it now."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from kombu.exceptions import OperationalError
from pydantic import SecretStr

from storage import installations, monitor_snapshot
from storage.vault import Vault
from tests.support import admin_web as admin_web_support
from tests.support.admin_web import cli, make_app, sign_in
from tests.support.monitor_report import emptied_field, healthy, with_routing
from workers import dispatch, tasks
from workers.services import alarms as service
from workers.services.context import Runtime

people = admin_web_support.people
web_settings = admin_web_support.web_settings

HOOK = "https://hooks.example.com/services/T0001/B0002/s3cr3t-t0ken"
TOKEN = "m" * 32


@pytest.fixture
def scraped(web_settings):
    """The settings with /metrics on, and a scrape of it."""
    settings = web_settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})

    def scrape() -> str:
        answer = (
            make_app(settings).test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        )
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    return settings, scrape


def _gauge(metrics: str, name: str, installation: int) -> float | None:
    found = re.search(rf'^{name}{{installation="{installation}"}} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else None


def test_check_runs_the_real_evaluation_now_and_status_and_metrics_say_when(scraped, people, monkeypatch):
    settings, scrape = scraped
    one, two = people["one"], people["two"]
    before = cli(settings, monkeypatch, ["status", str(one)])
    assert f"alarms never checked: is beat running? run `leadq alarms check {one}`" in before.output
    assert _gauge(scrape(), "leadq_alarms_last_checked_timestamp_seconds", one) is None

    done = cli(settings, monkeypatch, ["alarms", "check", str(one)])
    assert done.exit_code == 0, done.output
    assert done.output == f"#{one} hubspot 20007000: no alarm\n"  # an empty store raises nothing
    status = cli(settings, monkeypatch, ["status", str(one)]).output
    assert "alarms checked just now: no open alarm" in status and "never checked" not in status
    metrics = scrape()
    checked = _gauge(metrics, "leadq_alarms_last_checked_timestamp_seconds", one)
    assert checked is not None and abs(checked - datetime.now(UTC).timestamp()) < 60
    assert _gauge(metrics, "leadq_alarms_last_checked_timestamp_seconds", two) is None  # not checked yet
    assert _gauge(metrics, "leadq_monitor_records", one) == 0.0  # the real report's figures, saved

    every = cli(settings, monkeypatch, ["alarms", "check"])  # every working installation, as beat
    assert every.exit_code == 0, every.output
    assert every.output.splitlines() == [
        f"#{one} hubspot 20007000: no alarm",
        f"#{two} salesforce 00D5g0000000001EAA: no alarm",
    ]
    assert _gauge(scrape(), "leadq_alarms_last_checked_timestamp_seconds", two) is not None


def test_check_refuses_an_unknown_installation_in_one_line_and_a_paused_one(
    web_settings, people, sessions, monkeypatch
):
    unknown = cli(web_settings, monkeypatch, ["alarms", "check", "999"])
    assert unknown.exit_code == 2
    assert unknown.output == "Error: there is no installation 999: `leadq status` lists them\n"
    with sessions.begin() as db:
        installations.set_status(db, people["one"], installations.PAUSED, "paused by an admin")
    paused = cli(web_settings, monkeypatch, ["alarms", "check", str(people["one"])])
    assert paused.exit_code == 1 and "is paused: its alarms are checked only while it works" in paused.output
    status = cli(web_settings, monkeypatch, ["status", str(people["one"])]).output
    assert "alarms never checked" not in status  # beat checks no paused installation: no false alarm


def test_status_says_when_the_last_check_is_overdue(web_settings, people, redis_client, monkeypatch):
    one = people["one"]
    monitor_snapshot.mark_checked(redis_client, one, datetime.now(UTC) - timedelta(hours=3, minutes=5))
    status = cli(web_settings, monkeypatch, ["status", str(one)]).output
    assert (
        "alarms checked 3 h ago: no open alarm (beat checks every 60 min: is beat running? "
        f"run `leadq alarms check {one}`)" in status
    )
    monitor_snapshot.mark_checked(redis_client, one, datetime.now(UTC) - timedelta(minutes=12))
    status = cli(web_settings, monkeypatch, ["status", str(one)]).output
    assert "alarms checked 12 min ago: no open alarm\n" in status


class Planted:
    def __init__(self) -> None:
        self.report = healthy()

    def __call__(self, _runtime, installation_id, now):
        return replace(self.report, installation_id=installation_id, computed_at=now)


@pytest.fixture
def planted(web_settings, sessions, redis_client, monkeypatch):
    """The report the evaluation is made with (the CLI's and beat's, on this database and Redis), and
    the retrains asked for."""
    beat = Runtime(web_settings, sessions, Vault(web_settings.fernet_keys()), redis_client)
    monkeypatch.setattr(tasks, "runtime", lambda: beat)
    chosen = Planted()
    asked: list[int] = []
    monkeypatch.setattr(service, "report_builder", lambda: chosen)
    monkeypatch.setattr(
        dispatch, "enqueue_retrain", lambda _via, installation_id: asked.append(installation_id)
    )
    return chosen, asked


@responses.activate
def test_check_prints_raised_kept_and_cleared_and_asks_for_the_retrain_early(
    scraped, people, planted, monkeypatch
):
    settings, _scrape = scraped
    report, asked = planted
    one = people["one"]
    report.report = emptied_field(healthy())
    cause = "'jobtitle' arrives empty: 3% -> 64% of 2026-W48's leads (compared with the training window)"
    done = cli(settings, monkeypatch, ["alarms", "check", str(one)])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        f"#{one} hubspot 20007000: raised missing_rate (jobtitle): {cause}",
        f"#{one} hubspot 20007000: a new drift alarm: retrain queued early "
        "(the champion/challenger gate decides)",
    ]
    assert asked == [one]
    assert (
        f"ALARM missing_rate (jobtitle): {cause}" in cli(settings, monkeypatch, ["status", str(one)]).output
    )

    report.report = with_routing(emptied_field(healthy()), sla_breaches=90)
    again = cli(settings, monkeypatch, ["alarms", "check", str(one)]).output.splitlines()
    assert again[0].startswith(f"#{one} hubspot 20007000: raised sla_breaches: ")
    assert again[1] == f"#{one} hubspot 20007000: kept missing_rate (jobtitle): {cause}"
    assert len(again) == 2 and asked == [one]  # no new drift alarm: no second retrain

    report.report = healthy()
    cleared = cli(settings, monkeypatch, ["alarms", "check", str(one)]).output.splitlines()
    assert sorted(line.split(":")[1] for line in cleared) == [
        " cleared missing_rate (jobtitle)",
        " cleared sla_breaches",
    ]
    status = cli(settings, monkeypatch, ["status", str(one)]).output
    assert "ALARM" not in status and "alarms checked just now: no open alarm" in status


def test_a_broker_that_does_not_take_the_early_retrain_is_said_and_asked_again(
    web_settings, people, planted, monkeypatch
):
    report, _asked = planted

    def down(_via, _installation_id):
        raise OperationalError("Error 111 connecting to broker")

    monkeypatch.setattr(dispatch, "enqueue_retrain", down)
    one = people["one"]
    report.report = emptied_field(healthy())
    done = cli(web_settings, monkeypatch, ["alarms", "check", str(one)])
    assert done.exit_code == 0, done.output
    assert (
        f"#{one} hubspot 20007000: a new drift alarm, but its early retrain was not queued "
        f"(the broker cannot be reached: OperationalError): `leadq retrain {one}` runs it here" in done.output
    )
    asked: list[int] = []
    monkeypatch.setattr(dispatch, "enqueue_retrain", lambda _via, i: asked.append(i))
    report.report = healthy()
    cli(web_settings, monkeypatch, ["alarms", "check", str(one)])
    report.report = emptied_field(healthy())
    cli(web_settings, monkeypatch, ["alarms", "check", str(one)])
    assert asked == [one]  # not counted as asked for the first time: asked when the alarm came back


def test_the_webhook_command_refuses_an_invalid_port_and_echoes_a_valid_one(
    web_settings, people, monkeypatch
):
    one = str(people["one"])
    for bad in (
        "https://hooks.example.com:99999/x-secret",
        "https://hooks.example.com:0/x-secret",
        "https://hooks.example.com:ab/x-secret",
    ):
        result = cli(web_settings, monkeypatch, ["alarms", "webhook", one, bad])
        assert result.exit_code == 1 and "port" in result.output and "nothing was saved" in result.output
        assert "x-secret" not in result.output and "Traceback" not in result.output
    browser = make_app(web_settings).test_client()
    assert sign_in(browser, "alice").status_code == 302
    assert "are POSTed to: not set" in browser.get(f"/installations/{one}/config").get_data(as_text=True)

    saved = cli(
        web_settings, monkeypatch, ["alarms", "webhook", one, "https://hooks.example.com:8443/x-secret"]
    )
    assert saved.exit_code == 0
    shown = "https://hooks.example.com:8443/…"
    assert saved.output == f"installation {one}: alarms will be POSTed to {shown} (stored encrypted)\n"
    page = html.unescape(browser.get(f"/installations/{one}/config").get_data(as_text=True))
    assert "are POSTed to: https://hooks.example.com:8443/…" in page and "x-secret" not in page
    assert "Nothing was sent to it yet." in page


@responses.activate
def test_a_failing_webhook_shows_in_status_on_the_page_and_in_metrics_until_a_test_delivers(
    scraped, people, planted, monkeypatch
):
    settings, scrape = scraped
    report, _ = planted
    one, two = people["one"], people["two"]
    assert cli(settings, monkeypatch, ["alarms", "webhook", str(one), HOOK]).exit_code == 0
    status = cli(settings, monkeypatch, ["status", str(one)]).output
    assert f"alarm webhook: nothing sent yet (`leadq alarms webhook {one} --test` sends a test)" in status

    responses.add(responses.POST, HOOK, status=500)
    report.report = with_routing(healthy(), inactive_owner_leads={"102": 4})
    tasks.schedule("monitor")  # beat's job
    status = cli(settings, monkeypatch, ["status", str(one)]).output
    assert (
        "alarm webhook: last delivery failed just now (HTTP 500); retried at the next check "
        f"(`leadq alarms webhook {one} --test` tries now)" in status
    )
    metrics = scrape()
    assert _gauge(metrics, "leadq_alarm_webhook_failing", one) == 1
    assert _gauge(metrics, "leadq_alarm_webhook_failing", two) == 0  # no webhook: nothing failing
    browser = make_app(settings).test_client()
    assert sign_in(browser, "alice").status_code == 302
    page = html.unescape(browser.get(f"/installations/{one}/config").get_data(as_text=True))
    assert (
        '<span id="alarm-webhook-delivery" class="bad">Its last delivery failed just now (HTTP 500); '
        "retried at the next check.</span>" in page
    )
    for shown in (status, metrics, page):
        assert "s3cr3t" not in shown and "T0001" not in shown

    responses.replace(responses.POST, HOOK, json={"ok": True})
    tested = cli(settings, monkeypatch, ["alarms", "webhook", str(one), "--test"])
    assert tested.exit_code == 0, tested.output
    assert tested.output == f"installation {one}: test message delivered to https://hooks.example.com/…\n"
    body = json.loads(responses.calls[-1].request.body)
    assert body["text"] == "leadq test message: the monitoring alarms of hubspot 20007000 are posted here"
    status = cli(settings, monkeypatch, ["status", str(one)]).output
    assert "alarm webhook: last delivery succeeded just now\n" in status
    assert _gauge(scrape(), "leadq_alarm_webhook_failing", one) == 0
    page = html.unescape(browser.get(f"/installations/{one}/config").get_data(as_text=True))
    assert '<span id="alarm-webhook-delivery">Its last delivery succeeded just now.</span>' in page


@responses.activate
def test_the_test_message_says_why_it_was_not_delivered(web_settings, people, monkeypatch):
    one = str(people["one"])
    nothing = cli(web_settings, monkeypatch, ["alarms", "webhook", one, "--test"])
    assert nothing.exit_code == 1
    assert (
        f"no alarm webhook to test (not set): set one with `leadq alarms webhook {one} URL`" in nothing.output
    )
    responses.add(responses.POST, HOOK, body=requests.ConnectionError("connection refused to " + HOOK))
    saved_and_tested = cli(web_settings, monkeypatch, ["alarms", "webhook", one, HOOK, "--test"])
    assert saved_and_tested.exit_code == 1
    assert (
        "alarms will be POSTed to https://hooks.example.com/… (stored encrypted)" in saved_and_tested.output
    )
    assert (
        "the test message was NOT delivered to https://hooks.example.com/… (ConnectionError): check the URL"
        in saved_and_tested.output
    )
    assert "s3cr3t" not in saved_and_tested.output
    status = cli(web_settings, monkeypatch, ["status", one]).output
    assert "alarm webhook: last delivery failed just now (ConnectionError)" in status
    cli(web_settings, monkeypatch, ["alarms", "webhook", one, "https://hooks.example.com/other"])
    status = cli(web_settings, monkeypatch, ["status", one]).output  # a new URL: the old result is gone
    assert "alarm webhook: nothing sent yet" in status and "failed" not in status
    both = cli(web_settings, monkeypatch, ["alarms", "webhook", one, "--clear", "--test"])
    assert both.exit_code == 2 and "--clear takes no URL and no --test" in both.output
