"""A save that changes only the ICP's [monitoring] table (the alarm thresholds) changes no score, so
it applies at once: no pending configuration, no preview of every record, no approval; the next
alarm check uses it. A save that changes anything else too keeps the preview and approval."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest

from storage import cursors
from storage.tables import Installation
from tests.support import admin_web as admin_web_support
from tests.support.admin import FakeCelery
from tests.support.admin_web import cli, csrf_of, make_app, sign_in
from tests.support.monitor_report import emptied_field, healthy
from workers.services import alarms as service

people = admin_web_support.people
web_settings = admin_web_support.web_settings

LIVE = "[tiers]\nL1 = 80\n"
QUIET = "[monitoring]\nmissing_rise = 0.9\ninput_psi = 2.0\n"  # the emptied field raises nothing


@pytest.fixture
def admin(web_settings, people, sessions):
    """alice signed in on the admin app (its Celery caught), installation one's live ICP ``LIVE``."""
    with sessions.begin() as db:
        db.get(Installation, people["one"]).icp_toml = LIVE
    app = make_app(web_settings)
    app.extensions["leadq"].__dict__["celery"] = sent = FakeCelery()
    browser = app.test_client()
    assert sign_in(browser, "alice").status_code == 302
    return browser, sent


def _save(browser, installation: int, icp: str):
    token = csrf_of(browser.get(f"/installations/{installation}/config").get_data(as_text=True))
    return browser.post(
        f"/installations/{installation}/config", data={"csrf_token": token, "icp": icp, "routing": ""}
    )


def test_the_admin_app_applies_a_thresholds_only_change_at_once(admin, people, sessions):
    browser, sent = admin
    one = people["one"]
    saved = _save(browser, one, LIVE + QUIET)
    assert saved.status_code == 302
    page = html.unescape(browser.get(saved.headers["Location"]).get_data(as_text=True))
    assert "Saved and applied: only the alarm thresholds (the ICP file's [monitoring] table) changed" in page
    assert sent.sent == []  # no preview task
    with sessions() as db:
        row = db.get(Installation, one)
        assert (row.icp_toml, row.pending_icp_toml, row.pending_routing_toml) == (LIVE + QUIET, None, None)
        assert cursors.named(db, one, cursors.PREVIEW) == []


def test_a_change_beyond_the_thresholds_takes_the_usual_path(admin, people, sessions):
    """More than [monitoring] changed, or a configuration is pending: the save goes the usual way
    (here it stops at the check of the routing's reps with the CRM, which this installation without
    tokens cannot answer): nothing is applied at once."""
    browser, sent = admin
    one = people["one"]
    for pending in (None, "[tiers]\nL1 = 85\n"):
        with sessions.begin() as db:
            db.get(Installation, one).pending_icp_toml = pending
        icp = LIVE + QUIET if pending else "[tiers]\nL1 = 85\n" + QUIET
        answer = _save(browser, one, icp)
        assert answer.status_code == 400
        assert "could not read the CRM's owners to check the reps" in html.unescape(
            answer.get_data(as_text=True)
        )
        assert sent.sent == []
        with sessions() as db:
            row = db.get(Installation, one)
            assert (row.icp_toml, row.pending_icp_toml) == (LIVE, pending)


def test_leadq_config_applies_a_thresholds_only_change_at_once_and_the_next_check_uses_it(
    web_settings, people, sessions, monkeypatch, tmp_path
):
    one = people["one"]
    with sessions.begin() as db:
        db.get(Installation, one).icp_toml = LIVE
    planted = emptied_field(healthy())
    monkeypatch.setattr(
        service,
        "report_builder",
        lambda: (
            lambda _rt, installation_id, now: replace(
                planted, installation_id=installation_id, computed_at=now
            )
        ),
    )
    icp = tmp_path / "icp.toml"
    icp.write_text(LIVE + QUIET)
    done = cli(web_settings, monkeypatch, ["config", str(one), "--icp", str(icp)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("applied at once: only the alarm thresholds (the ICP file's [monitoring]")
    assert "previewing" not in done.output
    with sessions() as db:
        row = db.get(Installation, one)
        assert (row.icp_toml, row.pending_icp_toml) == (LIVE + QUIET, None)
    checked = cli(web_settings, monkeypatch, ["alarms", "check"]).output.splitlines()
    assert checked[0] == f"#{one} hubspot 20007000: no alarm"  # missing_rise 0.9: 3% -> 64% is below it
    assert checked[1].startswith(f"#{people['two']} salesforce 00D5g0000000001EAA: raised missing_rate")
