"""Alarms end to end through beat's "monitor" job (``leadq.schedule``) with a report builder injected
in place of the monitoring computation: a planted change raises the alarm, which shows in
``leadq status``, ``/metrics`` and the admin banner and is POSTed to the webhook; the fix clears it
everywhere. A new drift alarm asks for the retrain early, once."""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import responses
from pydantic import SecretStr
from sqlalchemy import text

from storage import installations, training_attempts
from storage.vault import Vault
from tests.support import admin_web as admin_web_support
from tests.support.admin_web import cli, csrf_of, make_app, sign_in
from tests.support.monitor_report import emptied_field, healthy, with_routing
from workers import tasks
from workers.celery_app import make_celery
from workers.services import alarms as service
from workers.services.context import Runtime

people = admin_web_support.people
web_settings = admin_web_support.web_settings

HOOK = "https://hooks.example.com/services/T0001/B0002/s3cr3t-t0ken"
TOKEN = "m" * 32
PUBLIC = "https://leadq.example.org"


class Planted:
    """The report the injected builder returns (what the monitoring computation would find)."""

    def __init__(self) -> None:
        self.report = healthy()

    def __call__(self, _runtime, installation_id, now):
        return replace(self.report, installation_id=installation_id, computed_at=now)


@pytest.fixture
def wired(web_settings, sessions, redis_client, people, monkeypatch):
    """Beat's monitor job on this database and Redis, its report builder and retrain dispatch caught."""
    settings = web_settings.model_copy(update={"metrics_token": SecretStr(TOKEN), "public_base_url": PUBLIC})
    runtime = Runtime(settings, sessions, Vault(settings.fernet_keys()), redis_client)
    planted = Planted()
    retrains: list[list] = []
    monkeypatch.setattr(tasks, "runtime", lambda: runtime)
    monkeypatch.setattr(service, "report_builder", lambda: planted)
    monkeypatch.setattr(tasks.retrain_task, "apply_async", lambda args, queue: retrains.append(args))
    return runtime, planted, retrains, settings


def _surfaces(settings, monkeypatch, installation_id: int) -> tuple[str, str, str]:
    """What ``leadq status``, ``/metrics`` and the installation's admin page say."""
    status = cli(settings, monkeypatch, ["status", str(installation_id)])
    assert status.exit_code == 0, status.output
    app = make_app(settings)
    metrics = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.status_code == 200
    browser = app.test_client()
    assert sign_in(browser, "alice").status_code == 302
    page = browser.get(f"/installations/{installation_id}")
    assert page.status_code == 200
    return status.output, metrics.get_data(as_text=True), html.unescape(page.get_data(as_text=True))


@responses.activate
def test_a_field_arriving_empty_raises_an_alarm_everywhere_and_the_fix_clears_it(wired, people, monkeypatch):
    _runtime, planted, _, settings = wired
    one = people["one"]
    responses.add(responses.POST, HOOK, json={"ok": True})
    done = cli(settings, monkeypatch, ["alarms", "webhook", str(one), HOOK])
    assert (
        done.exit_code == 0 and "https://hooks.example.com/…" in done.output and "s3cr3t" not in done.output
    )

    planted.report = emptied_field(healthy())
    assert tasks.schedule("monitor") == 2  # both working installations evaluated
    status, metrics, page = _surfaces(settings, monkeypatch, one)
    cause = "'jobtitle' arrives empty: 3% -> 64% of 2026-W48's leads (compared with the training window)"
    assert f"ALARM missing_rate (jobtitle): {cause}" in status and "since 2026-11-23 00:00 UTC" in status
    assert f'leadq_alarm_open{{installation="{one}",kind="missing_rate",subject="jobtitle"}} 1' in metrics
    assert f'leadq_alarms_open{{installation="{one}"}} 1' in metrics
    # The evaluation's figures are gauges too (a scrape reads them; it never computes monitoring).
    share = planted.report.drift.missing_rates["jobtitle"]
    assert f'leadq_monitor_missing_rate{{installation="{one}",field="jobtitle"}} {round(share, 6)}' in metrics
    assert f'leadq_monitor_records{{installation="{one}"}} {float(planted.report.records)}' in metrics
    ece = planted.report.performance.calibration.ece
    assert f'leadq_monitor_ece{{installation="{one}"}} {round(ece, 6)}' in metrics
    assert "1 open alarm" in page and cause in page
    assert f'href="/installations/{one}/monitor#open-alarms"' in page, "the banner links to them all"
    assert status.splitlines()[0].endswith(" · 1 open alarm"), status

    [raised] = [json.loads(call.request.body) for call in responses.calls]
    assert raised["text"].startswith("leadq alarm: missing rate (jobtitle) on hubspot 20007000")
    words = "\n".join(block["text"]["text"] for block in raised["blocks"])
    assert f"*What moved:* {cause}" in words and "*Since:* 2026-11-23 00:00 UTC" in words
    assert "*What to check:* the form or CRM field mapping that fills jobtitle" in words
    assert f"<{PUBLIC}/installations/{one}/monitor|Open monitoring in leadq>" in words

    listed = cli(settings, monkeypatch, ["alarms", "list", str(one)]).output
    assert (
        f"#{one} alarm missing_rate (jobtitle): {cause}; since 2026-11-23 00:00 UTC; check the form" in listed
    )
    tasks.schedule("monitor")  # still holds: kept, not announced again
    assert len(responses.calls) == 1

    planted.report = healthy()  # the mapping is fixed
    tasks.schedule("monitor")
    status, metrics, page = _surfaces(settings, monkeypatch, one)
    assert "ALARM" not in status
    assert "leadq_alarm_open{" not in metrics and f'leadq_alarms_open{{installation="{one}"}} 0' in metrics
    fixed = planted.report.drift.missing_rates["jobtitle"]
    assert f'leadq_monitor_missing_rate{{installation="{one}",field="jobtitle"}} {round(fixed, 6)}' in metrics
    assert "open alarm" not in page and "arrives empty" not in page
    assert cli(settings, monkeypatch, ["alarms", "list", str(one)]).output == "no open alarm\n"
    cleared = json.loads(responses.calls[1].request.body)
    assert cleared["text"] == "leadq alarm cleared: missing rate (jobtitle) on hubspot 20007000"
    assert len(responses.calls) == 2


@responses.activate
def test_a_failed_post_is_logged_without_the_url_and_retried_on_the_next_evaluation(
    wired, people, sessions, caplog
):
    runtime, planted, _, _settings = wired
    one = people["one"]
    with sessions.begin() as db:
        from storage import alarm_webhook

        alarm_webhook.set_url(db, runtime.vault, one, HOOK)
    with sessions() as db:
        raw = db.execute(
            text("SELECT alarm_webhook_ciphertext FROM installations WHERE id = :i"), {"i": one}
        ).scalar()
        assert b"hooks.example.com" not in bytes(raw) and b"s3cr3t" not in bytes(raw)
    responses.add(responses.POST, HOOK, status=500)
    planted.report = with_routing(healthy(), inactive_owner_leads={"102": 4})
    caplog.set_level(logging.DEBUG)
    tasks.schedule("monitor")
    assert len(responses.calls) == 1
    failed = [r for r in caplog.records if r.getMessage() == "alarms.webhook-failed"]
    assert failed and failed[0].status == 500
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "hooks.example.com" not in logged and "s3cr3t" not in logged

    responses.replace(responses.POST, HOOK, json={"ok": True})
    tasks.schedule("monitor")  # the raise was never announced: it is sent now
    assert len(responses.calls) == 2
    body = json.loads(responses.calls[1].request.body)
    assert "Bo is inactive but owns 4 open leads" in body["text"]
    tasks.schedule("monitor")
    assert len(responses.calls) == 2


def test_a_new_drift_alarm_asks_for_the_retrain_early_once(wired, people, redis_client):
    _runtime, planted, retrains, _ = wired
    one, two = people["one"], people["two"]
    planted.report = emptied_field(healthy())
    tasks.schedule("monitor")
    assert sorted(retrains) == [[one], [two]]  # once per installation
    tasks.schedule("monitor")  # still open: nothing new
    planted.report = healthy()
    tasks.schedule("monitor")
    planted.report = emptied_field(healthy())
    tasks.schedule("monitor")  # raised again within 24 h of the early retrain: not again
    assert sorted(retrains) == [[one], [two]]

    redis_client.flushdb()  # a day later, but a retrain ran an hour ago
    training_attempts.record(redis_client, one, trained=True, why="", outcomes=500)
    planted.report = healthy()
    tasks.schedule("monitor")
    planted.report = with_routing(emptied_field(healthy()), sla_breaches=90)
    tasks.schedule("monitor")
    assert sorted(retrains) == [[one], [two], [two]]


def test_a_routing_alarm_does_not_ask_for_a_retrain(wired, people):
    _, planted, retrains, _ = wired
    planted.report = with_routing(healthy(), parked_share=0.3, parked_by_queue={"fallback": 90})
    tasks.schedule("monitor")
    assert retrains == []


def test_the_thresholds_come_from_the_installation_s_icp_file(wired, people, sessions):
    runtime, planted, _, _ = wired
    with sessions.begin() as db:
        installations.get(db, people["one"]).icp_toml = "[monitoring]\nmissing_rise = 0.9\ninput_psi = 2.0\n"
    planted.report = emptied_field(healthy())
    done = {
        e.installation_id: e for e in service.monitor_all(runtime, datetime.now(UTC), post=lambda *_: None)
    }
    assert done[people["one"]].raised == [] and done[people["two"]].raised == ["missing_rate jobtitle"]


def test_one_installation_failing_does_not_stop_the_others(wired, people):
    runtime, planted, _, _ = wired

    def builder(rt, installation_id, now):
        if installation_id == people["one"]:
            raise RuntimeError("no report")
        return planted(rt, installation_id, now)

    planted.report = emptied_field(healthy())
    done = service.monitor_all(runtime, datetime.now(UTC), build_report=builder, post=lambda *_: None)
    assert [e.installation_id for e in done] == [people["two"]]


def test_the_webhook_command_refuses_what_is_not_an_https_url(web_settings, people, monkeypatch):
    one = str(people["one"])
    for bad in ("http://hooks.example.com/x-secret", "hooks.example.com", "https:///nohost"):
        result = cli(web_settings, monkeypatch, ["alarms", "webhook", one, bad])
        assert result.exit_code == 1 and "must be an https:// URL" in result.output
        assert "x-secret" not in result.output and "Traceback" not in result.output
    result = cli(web_settings, monkeypatch, ["alarms", "webhook", "999", HOOK])
    assert result.exit_code == 2 and "there is no installation 999" in result.output
    result = cli(web_settings, monkeypatch, ["alarms", "webhook", one, "--clear"])
    assert result.exit_code == 0 and "alarm webhook was not set" in result.output


def test_a_bad_threshold_is_refused_when_the_icp_file_is_saved(web_settings, people, monkeypatch, tmp_path):
    icp = tmp_path / "icp.toml"
    icp.write_text('[monitoring]\nscore_psi = "high"\nspeed = 3\n')
    result = cli(web_settings, monkeypatch, ["config", str(people["one"]), "--icp", str(icp)])
    assert result.exit_code == 1, result.output
    assert "was refused, nothing was saved" in result.output
    assert (
        "monitoring.score_psi: must be a number" in result.output
        and "monitoring.speed: unknown key" in result.output
    )


def test_monitor_is_on_beat_at_the_configured_interval(settings):
    assert settings.monitor_interval_s == 3600.0
    app = make_celery(settings.model_copy(update={"monitor_interval_s": 900.0}))
    assert app.conf.beat_schedule["monitor"] == {
        "task": "leadq.schedule",
        "schedule": 900.0,
        "args": ("monitor",),
    }


def test_an_old_since_is_kept_from_the_report(wired, people, sessions):
    runtime, planted, _, _ = wired
    planted.report = with_routing(healthy(), sla_breaches=90)
    service.monitor_all(runtime, datetime.now(UTC), post=lambda *_: None)
    from storage.alarms import open_alarms

    with sessions() as db:
        rows = open_alarms(db, people["one"])
        assert [r.kind for r in rows] == ["sla_breaches"]
        assert datetime.now(UTC) - rows[0].since.replace(tzinfo=UTC) < timedelta(minutes=5)


def test_the_banner_shows_nothing_of_an_installation_the_admin_was_not_granted(wired, people):
    _runtime, planted, _, settings = wired
    planted.report = with_routing(healthy(), inactive_owner_leads={"102": 3})
    tasks.schedule("monitor")
    browser = make_app(settings).test_client()
    assert sign_in(browser, "frank").status_code == 302  # granted installation one only
    hidden = browser.get(f"/installations/{people['two']}")
    assert hidden.status_code == 404 and "inactive" not in hidden.get_data(as_text=True)
    shown = html.unescape(browser.get(f"/installations/{people['one']}").get_data(as_text=True))
    assert "Bo is inactive but owns 3 open leads leadq routed to them" in shown


def test_the_configuration_page_shows_the_webhook_masked(web_settings, people, monkeypatch):
    one = people["one"]
    browser = make_app(web_settings).test_client()
    assert sign_in(browser, "alice").status_code == 302
    assert "are POSTed to: not set" in browser.get(f"/installations/{one}/config").get_data(as_text=True)
    assert cli(web_settings, monkeypatch, ["alarms", "webhook", str(one), HOOK]).exit_code == 0
    page = html.unescape(browser.get(f"/installations/{one}/config").get_data(as_text=True))
    assert "are POSTed to: https://hooks.example.com/…" in page
    assert "s3cr3t" not in page and "T0001" not in page


def test_the_admin_app_refuses_a_bad_threshold_and_names_its_line(web_settings, people, sessions):
    one = people["one"]
    browser = make_app(web_settings).test_client()
    assert sign_in(browser, "alice").status_code == 302
    token = csrf_of(browser.get(f"/installations/{one}/config").get_data(as_text=True))
    icp = "[monitoring]\nece = 3\n"
    answer = browser.post(
        f"/installations/{one}/config", data={"csrf_token": token, "icp": icp, "routing": ""}
    )
    assert answer.status_code == 400
    words = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(answer.get_data(as_text=True))).split())
    assert "Line 2: ece = 3 monitoring.ece: must be above 0 and at most 1" in words
    with sessions() as db:
        assert installations.get(db, one).pending_icp_toml is None
