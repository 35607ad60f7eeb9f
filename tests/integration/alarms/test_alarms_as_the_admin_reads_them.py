"""Review 19, monitoring and alarms as a RevOps admin reads them: the Alarms card and `leadq monitor`
say when the alarms were last checked even with none open (and that beat looks stopped), "Check
alarms now" runs beat's evaluation; the inactive-rep alarm names the rep and gives advice that fits its
cause; an alarm kind switched off is said "switched off", never "cleared"; the webhook's test says
what to do about a certificate and keeps its result apart from the alarms' deliveries; the top-30%
card says when the model was below the bar on its own test, with the model's name; bad input reads as
one clear line."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

from leadq.web.model_words import model_name
from leadq.web.monitor_sections import BUILDER_KEY
from monitoring.frames import ModelBaseline
from storage import installations, models_registry, monitor_snapshot
from storage.tables import AlarmRow
from storage.vault import Vault
from tests.support import admin_web as admin_web_support
from tests.support.admin_web import cli, csrf_of, make_app, sign_in
from tests.support.monitor_report import emptied_field, healthy, with_routing
from workers import tasks
from workers.services import alarms as service
from workers.services.context import Runtime

people = admin_web_support.people
web_settings = admin_web_support.web_settings

HOOK = "https://hooks.example.com/services/T0001/B0002/s3cr3t-t0ken"
BEAT = "`celery -A workers.celery_app beat`"
ROUTING_BO_INACTIVE = """
[[reps]]
name = "Ada"
owner_id = "101"

[[reps]]
name = "Bo"
owner_id = "102"
active = false
"""


class Planted:
    """The report the injected builders return (beat's job, the page, `leadq monitor`)."""

    def __init__(self) -> None:
        self.report = healthy()

    def __call__(self, _runtime, installation_id, now):
        return replace(self.report, installation_id=installation_id, computed_at=now)


@pytest.fixture
def wired(web_settings, sessions, redis_client, people, monkeypatch):
    runtime = Runtime(web_settings, sessions, Vault(web_settings.fernet_keys()), redis_client)
    planted = Planted()
    monkeypatch.setattr(tasks, "runtime", lambda: runtime)
    monkeypatch.setattr(service, "report_builder", lambda: planted)
    monkeypatch.setattr("leadq.web.monitor_sections.report_builder", lambda extras=None: planted)
    app = make_app(web_settings)
    app.extensions["leadq"].extras[BUILDER_KEY] = planted
    browser = app.test_client()
    assert sign_in(browser, "alice").status_code == 302
    return planted, browser, runtime


def visible(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def card(browser, installation: int) -> str:
    page = browser.get(f"/installations/{installation}/monitor").get_data(as_text=True)
    return visible(page.split('id="open-alarms"')[1].split("</section>")[0])


def test_the_alarms_card_and_monitor_say_when_alarms_were_checked_and_check_now_runs_beats_job(
    wired, people, redis_client, web_settings, monkeypatch
):
    planted, browser, _runtime = wired
    one = people["one"]
    never = card(browser, one)
    assert "Alarms Never checked: no open alarm." in never
    assert f"Is celery beat running? start it with {BEAT}, or check now (`leadq alarms check {one}`)" in never
    assert "Check alarms now" in never
    text = cli(web_settings, monkeypatch, ["monitor", str(one)]).output
    assert "ALARMS\n  Alarms never checked: no open alarm\n  WARNING: Is celery beat running?" in text

    monitor_snapshot.mark_checked(redis_client, one, datetime.now(UTC) - timedelta(hours=3))
    stale = card(browser, one)
    assert "Checked 3 h ago (" in stale and ": no open alarm." in stale
    assert (
        "The last check is older than twice beat's interval (every 60 min): is celery beat running? "
        f"start it with {BEAT}" in stale
    )

    planted.report = with_routing(healthy(), inactive_owner_leads={"102": 4})
    page = browser.get(f"/installations/{one}/monitor").get_data(as_text=True)
    refused = browser.post(f"/installations/{one}/monitor/check", data={})
    assert refused.status_code == 400, "a POST without the form's CSRF token is refused"
    done = browser.post(f"/installations/{one}/monitor/check", data={"csrf_token": csrf_of(page)})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/installations/{one}/monitor#open-alarms"
    )
    after = browser.get(f"/installations/{one}/monitor").get_data(as_text=True)
    assert "Alarms checked just now: raised: Inactive rep (Bo)." in visible(after)
    now_card = card(browser, one)
    assert "Checked just now (" in now_card and ": 1 open alarm." in now_card
    assert "older than twice" not in now_card and "Open alarms (1)" in now_card
    text = cli(web_settings, monkeypatch, ["monitor", str(one)]).output
    assert re.search(r"\n  Alarms checked just now \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\): 1 open alarm\n", text)
    assert "  - Inactive rep (Bo): Bo is inactive but owns 4 open leads" in text and "WARNING" not in text

    planted.report = healthy()  # the leads were handed over: the same button clears it
    again = browser.post(f"/installations/{one}/monitor/check", data={"csrf_token": csrf_of(after)})
    assert again.status_code == 302
    said = visible(browser.get(f"/installations/{one}/monitor").get_data(as_text=True))
    assert "Alarms checked just now: cleared: Inactive rep (Bo)." in said


def test_a_paused_installation_has_no_check_now_button(wired, people, sessions):
    _planted, browser, _runtime = wired
    two = people["two"]
    with sessions.begin() as db:
        installations.get(db, two).status = installations.PAUSED
    page = browser.get(f"/installations/{two}/monitor").get_data(as_text=True)
    assert "Check alarms now" not in page, "a paused installation's alarms are not checked"


@responses.activate
def test_the_inactive_rep_alarm_names_the_rep_and_says_what_the_re_routing_pass_does(
    wired, people, sessions, web_settings, monkeypatch
):
    planted, browser, _runtime = wired
    one = people["one"]
    assert cli(web_settings, monkeypatch, ["alarms", "webhook", str(one), HOOK]).exit_code == 0
    responses.add(responses.POST, HOOK, json={"ok": True})
    planted.report = with_routing(healthy(), inactive_owner_leads={"102": 4})
    tasks.schedule("monitor")

    [raised] = [json.loads(call.request.body) for call in responses.calls]
    assert raised["blocks"][0]["text"]["text"] == "leadq alarm: Inactive rep (Bo) on hubspot 20007000"
    words = "\n".join(block["text"]["text"] for block in raised["blocks"])
    # no routing file marks Bo inactive: Bo's user was deactivated in the CRM
    assert (
        "*What to check:* Bo's user is deactivated in the CRM while the routing file still lists them as "
        "active: leadq's re-routing pass (beat, every 5 min) hands each of these leads, whatever its tier, "
        "to another rep who qualifies" in words
    )
    assert "reactivate the user in the CRM; otherwise remove Bo from the routing file" in words
    assert "are redistributed" not in words and "(102)" not in words

    listed = cli(web_settings, monkeypatch, ["alarms", "list", str(one)]).output
    assert listed.startswith(f"#{one} alarm Inactive rep (Bo): Bo is inactive but owns 4 open leads")
    assert "inactive_owner" not in listed and "(102)" not in listed
    data = json.loads(cli(web_settings, monkeypatch, ["alarms", "list", str(one), "--json"]).output)
    assert [(a["kind"], a["subject"], a["kind_words"], a["subject_words"]) for a in data] == [
        ("inactive_owner", "102", "Inactive rep", "Bo")
    ]
    status = cli(web_settings, monkeypatch, ["status", str(one)]).output
    assert "ALARM Inactive rep (Bo): Bo is inactive" in status

    table = card(browser, one)
    assert "Inactive rep (Bo) Bo is inactive but owns 4 open leads" in table and "inactive_owner" not in table
    banner = visible(browser.get(f"/installations/{one}").get_data(as_text=True).split('id="alarms"')[1])
    assert (
        "check: Bo's user is deactivated in the CRM while the routing file still lists them as active"
        in banner
    )

    with sessions.begin() as db:  # the routing file itself marks Bo inactive
        installations.get(db, one).routing_toml = ROUTING_BO_INACTIVE
    tasks.schedule("monitor")
    listed = cli(web_settings, monkeypatch, ["alarms", "list", str(one)]).output
    assert "check Bo is marked active = false in the routing file: leadq's re-routing pass" in listed
    assert "If Bo is back, set active = true there and the leads stay theirs" in listed


@responses.activate
def test_an_alarm_kind_switched_off_is_said_switched_off_never_cleared(
    wired, people, sessions, web_settings, monkeypatch
):
    planted, browser, _runtime = wired
    one = people["one"]
    assert cli(web_settings, monkeypatch, ["alarms", "webhook", str(one), HOOK]).exit_code == 0
    responses.add(responses.POST, HOOK, json={"ok": True})
    planted.report = emptied_field(healthy())
    raised = cli(web_settings, monkeypatch, ["alarms", "check", str(one)]).output
    assert "raised Field arriving empty (jobtitle)" in raised

    with sessions.begin() as db:  # the field still arrives empty: the admin switches the kind off
        installations.get(db, one).icp_toml = '[monitoring]\noff = ["missing_rate"]\n'
    done = cli(web_settings, monkeypatch, ["alarms", "check", str(one)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith(
        f"#{one} hubspot 20007000: switched off Field arriving empty (jobtitle) (its kind is in "
        "[monitoring] off, so it is no longer checked; the condition may still hold): 'jobtitle' arrives"
    )
    assert "cleared" not in done.output
    body = json.loads(responses.calls[-1].request.body)
    assert body["text"] == "leadq alarm switched off: Field arriving empty (jobtitle) on hubspot 20007000"
    words = "\n".join(block["text"]["text"] for block in body["blocks"])
    assert (
        "switched off in the ICP file's [monitoring] table" in words
        and "the condition may still hold" in words
    )
    assert "cleared" not in json.dumps(body) and "condition ended" not in words
    with sessions() as db:
        [row] = db.query(AlarmRow).filter(AlarmRow.installation_id == one).all()
        assert row.cleared_at is not None and row.details.get("closed") == "switched_off"
    assert "Field arriving empty" not in card(browser, one)
    again = cli(web_settings, monkeypatch, ["alarms", "check", str(one)]).output
    assert again == f"#{one} hubspot 20007000: no alarm\n" and len(responses.calls) == 2, "said once"


@responses.activate
def test_the_webhook_test_names_the_ca_bundle_says_saved_and_shows_the_current_url(
    web_settings, people, monkeypatch
):
    one = str(people["one"])
    unset = cli(web_settings, monkeypatch, ["alarms", "webhook", one])
    assert unset.exit_code == 0 and "no alarm webhook set" in unset.output
    responses.add(
        responses.POST, HOOK, body=requests.exceptions.SSLError("certificate verify failed " + HOOK)
    )
    tested = cli(web_settings, monkeypatch, ["alarms", "webhook", one, HOOK, "--test"])
    assert tested.exit_code == 1
    assert (
        f"installation {one}: alarms will be POSTed to https://hooks.example.com/… (stored encrypted)"
        in tested.output
    )
    assert (
        f"installation {one}: saved, but the test delivery failed: the test message was NOT delivered to "
        "https://hooks.example.com/… (SSLError): its certificate is not trusted: a self-signed or "
        "internal-CA certificate needs that CA's bundle in LEADQ_CA_BUNDLE" in tested.output
    )
    assert "s3cr3t" not in tested.output
    status = cli(web_settings, monkeypatch, ["status", one]).output
    assert "alarm webhook: last test message failed just now (SSLError)" in status
    assert "retried at the next check" not in status
    shown = cli(web_settings, monkeypatch, ["alarms", "webhook", one])
    assert shown.exit_code == 0
    assert shown.output.splitlines()[0] == (
        f"installation {one}: alarms are POSTed to https://hooks.example.com/…; "
        "last test message failed just now (SSLError)"
    )
    assert "s3cr3t" not in shown.output


def test_the_top30_card_says_the_model_was_below_the_bar_and_names_the_model(wired, people, sessions):
    planted, browser, _runtime = wired
    one = people["one"]
    trained = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    with sessions.begin() as db:
        row = models_registry.save_version(db, one, "m20261205093000000001", b"", {})
        row.trained_at = trained
    report = healthy()
    base = ModelBaseline("m20261205093000000001", 400, 50, 0.52, 0.03)
    planted.report = replace(report, performance=replace(report.performance, baseline=base))
    page = visible(browser.get(f"/installations/{one}/monitor").get_data(as_text=True))
    named = model_name(trained, 1)  # as the Model tab names it
    assert named == "model 1 (trained 5 Dec 2026, 09:30)"
    assert f"On its test when trained, {named} had 52.0% (below the bar on its own test)" in page
    assert "m20261205093000000001" not in page


def test_status_refuses_what_is_not_an_installation_id_in_one_line(web_settings, people, monkeypatch):
    for command in ("status", "errors"):
        result = cli(web_settings, monkeypatch, [command, "abc"])
        assert result.exit_code == 2, command
        assert result.output == "Error: INSTALLATION must be a number like 1 (see `leadq status`)\n"
