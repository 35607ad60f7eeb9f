"""F1 (security review, December 2026): Salesforce outbound messages are authenticated by a secret
per installation in the endpoint URL; nothing a sender writes can pre-empt the poll's dedupe key;
inbound records are rate-limited per installation."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from sandbox.salesforce.outbound import envelope
from storage.tables import OutboundSecret, ProcessedEvent
from tests.support import salesforce as salesforce_support
from tests.support.admin import PASSWORD, sign_in
from tests.support.salesforce import install, org_of, outbound_path
from workers.services.poll import poll_changes
from workers.services.sync import handle_changes

# Fixtures shared with other test directories (tests/support).
crm = salesforce_support.crm
ctx = salesforce_support.ctx
installed = salesforce_support.installed
leadq_settings = salesforce_support.leadq_settings
runtime = salesforce_support.runtime

SHOWN = re.compile(r"http://leadq\.test(/webhooks/salesforce/[A-Za-z0-9_-]{40,})")


def _message(org_id: str, notes: list[tuple[str, str, dict]]) -> bytes:
    return envelope(org_id, "04k000000000001AAA", "https://evil.example", notes)


def _forged_notes(n: int) -> list[tuple[str, str, dict]]:
    return [(f"04l{i:015d}", "Lead", {"Id": f"00Q5g{i:010d}BBB"}) for i in range(n)]


def _forged(running, n: int = 100) -> bytes:
    return _message(running.org_id, _forged_notes(n))


def _shown(client, running) -> str:
    """What the admin sees on the install page: the endpoint URL to enter in Salesforce Setup."""
    page = install(client, running).get_data(as_text=True)
    shown = SHOWN.search(page)
    assert shown, "the install page shows the outbound-message endpoint URL"
    return shown.group(1)


def _endpoint(client, running) -> str:
    """Install, and the endpoint path with the installation's secret (as stored)."""
    install(client, running)
    return outbound_path(client.application)


def _post(client, path: str, body: bytes):
    return client.post(path, data=body, content_type="text/xml; charset=utf-8")


def test_f1_unauthenticated_outbound_message_is_404(client, crm, sessions, enqueued) -> None:
    install(client, crm)
    body = _forged(crm)
    answers = [
        _post(client, "/webhooks/salesforce", body),  # the review's attack: the org id alone
        _post(client, "/webhooks/salesforce/guessed", body),
        _post(
            client, "/webhooks/salesforce", _message("00D000000000999AAA", _forged_notes(1))
        ),  # unknown org
    ]
    path = outbound_path(client.application)
    answers += [
        _post(client, path[:-1] + ("A" if path[-1] != "A" else "B"), body),  # one character off
        _post(client, path + "/x", body),
    ]
    for answer in answers:
        assert answer.status_code == 404, answer.get_data(as_text=True)
        assert b"unknown-endpoint" in answer.data and b"<Ack>true</Ack>" not in answer.data
    assert len({a.data for a in answers}) == 1, "every refusal looks the same"
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == 0, "nothing recorded"
    assert enqueued.keys == []
    assert _post(client, path, _forged(crm, 1)).status_code == 200, "the installation's own URL works"


def test_f1_secret_is_made_at_install_kept_on_reinstall_and_never_stored_in_clear(
    client,
    crm,
    sessions,
) -> None:
    path = _shown(client, crm)
    secret = path.rsplit("/", 1)[1]
    assert len(secret) >= 43, "256 random bits"
    assert _shown(client, crm) == path, "a reinstall keeps the URL configured in Salesforce"
    with sessions() as db:
        (row,) = db.scalars(select(OutboundSecret)).all()
        assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        assert secret.encode() not in row.ciphertext, "encrypted at rest"


def test_f1_admin_installation_page_shows_the_endpoint_url(client, crm, sessions) -> None:
    from storage import admins

    path = _shown(client, crm)
    with sessions.begin() as db:
        installation_id = db.scalar(select(OutboundSecret.installation_id))
        alice = admins.create(db, "alice", PASSWORD)
        admins.grant(db, alice.id, installation_id)
    sign_in(client, "alice")
    page = client.get(f"/installations/{installation_id}").get_data(as_text=True)
    assert f'<code id="outbound-url">http://leadq.test{path}</code>' in page


def test_f1_forged_stamps_cannot_suppress_a_real_change(client, crm, ctx, sessions) -> None:
    """The review's Reproduction 2, even with the endpoint URL in an attacker's hands: 180 forged
    notifications stamped with the next three minutes do not hide the rep's real edit from the poll."""
    path = _endpoint(client, crm)
    org = org_of(crm)
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    victim, control = [r["Id"] for r in org.live("Lead") if not r["IsConverted"]][:2]
    poll_changes(ctx)
    handle_changes(ctx, window_s=0)
    now = datetime.now(UTC).replace(microsecond=0)
    stamps = [(now + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.000+0000") for s in range(-5, 175)]
    for i in range(0, 180, 100):
        notes = [
            (f"04l9{i + j:014d}", "Lead", {"Id": victim, "SystemModstamp": st})
            for j, st in enumerate(stamps[i : i + 100])
        ]
        assert _post(client, path, _message(crm.org_id, notes)).status_code == 200
    handle_changes(ctx, window_s=0)  # the forged notifications are handled (a read of the real record)
    writes_before = len(_writes(crm))
    for record in (victim, control):  # then a rep edits both leads in Salesforce
        org.update(
            "Lead",
            record,
            {"Title": "Chief Executive Officer", "NumberOfEmployees": 250},
            rep["Id"],
            notify=False,
        )
    edited = {record: org.get("Lead", record)["SystemModstamp"] for record in (victim, control)}
    found = poll_changes(ctx)
    assert found.new == 2, f"the poll must see both real changes, saw {found.new}"
    handle_changes(ctx, window_s=0)
    written = {r["id"] for e in _writes(crm)[writes_before:] for r in e.body["records"]}
    assert {victim, control} <= written, "both leads re-scored and written after the rep's edit"
    for record in (victim, control):
        real = edited[record]  # the rep's version (leadq's own write makes a later one)
        with sessions() as db:
            key = db.scalar(
                select(ProcessedEvent.event_key).where(
                    ProcessedEvent.record_id == record, ProcessedEvent.event_key.contains(real[:19])
                )
            )
        assert key, f"the real version of {record} was recorded"


def _writes(running):
    return running.requests.entries(lambda e: e.path.endswith("/composite/sobjects") and e.method == "PATCH")


def _early_in_a_minute() -> None:
    """The limit counts per clock minute (storage.inbound_limit): both messages must fall in one."""
    import time

    from storage.inbound_limit import WINDOW_S

    if time.time() % WINDOW_S > WINDOW_S - 20:
        time.sleep(WINDOW_S - time.time() % WINDOW_S + 0.5)


def test_f1_inbound_records_are_rate_limited_per_installation(client, crm, app, enqueued, caplog) -> None:
    services = app.extensions["leadq"]
    services.settings = services.settings.model_copy(update={"salesforce_outbound_max_per_minute": 150})
    path = _endpoint(client, crm)
    _early_in_a_minute()
    assert _post(client, path, _forged(crm, 100)).status_code == 200
    with caplog.at_level(logging.WARNING, logger="leadq.web.webhooks"):
        over = _post(client, path, _forged(crm, 100))
    assert over.status_code == 503 and b"rate-limited" in over.data and b"<Ack>true</Ack>" not in over.data
    assert over.headers["Retry-After"] == "60", "Salesforce keeps the message and retries it later"
    assert any(r.getMessage() == "salesforce.outbound.rate-limited" for r in caplog.records)
    assert len(enqueued.keys) == 100, "nothing of the refused message was recorded"


def test_f1_leadqs_own_echoes_do_not_use_up_the_limit(client, crm, app, sessions, enqueued) -> None:
    """A backfill's writes come back as outbound messages made by the integration user; they are
    dropped without a row, so they must not crowd a person's change out of the same minute."""
    from storage.tables import Installation

    services = app.extensions["leadq"]
    services.settings = services.settings.model_copy(update={"salesforce_outbound_max_per_minute": 150})
    path = _endpoint(client, crm)
    with sessions() as db:
        integration_user = db.scalars(select(Installation.installed_by)).one()
    echoes = [
        (f"04l{i:015d}", "Lead", {"Id": f"00Q5g{i:010d}BBB", "LastModifiedById": integration_user})
        for i in range(100)
    ]
    for _ in range(3):  # 300 echoes in the minute, twice the limit
        assert _post(client, path, _message(crm.org_id, echoes)).status_code == 200
    assert enqueued.keys == [], "echoes are neither recorded nor queued"
    assert _post(client, path, _forged(crm, 100)).status_code == 200, "a person's changes still get in"
    assert len(enqueued.keys) == 100


def test_f1_endpoint_secret_never_reaches_a_log_line(client, crm, monkeypatch, caplog) -> None:
    """The secret sits in the URL (outbound messaging cannot send headers); log lines that carry the
    request path (an outage's 503, an exception) show it redacted."""
    import sqlalchemy.exc

    from core.logging import RedactionFilter
    from storage import outbound_secrets

    path = _endpoint(client, crm)
    secret = path.rsplit("/", 1)[1]

    def database_away(*_args, **_kwargs):
        raise sqlalchemy.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(outbound_secrets, "installation_of", database_away)
    caplog.handler.addFilter(RedactionFilter())
    with caplog.at_level(logging.INFO):
        answer = _post(client, path, _forged(crm, 1))
    assert answer.status_code == 503, "the database away: Salesforce retries"
    (line,) = [r for r in caplog.records if r.getMessage() == "web.service-unavailable"]
    assert line.path == "/webhooks/salesforce/[redacted]"
    assert not [r for r in caplog.records if secret in str(vars(r))], "the secret is in no log record"


def test_f1_a_leaked_outbound_url_can_be_replaced(client, crm, sessions, leadq_settings, monkeypatch) -> None:
    """Re-test of F1: a leaked Salesforce outbound URL could not be replaced. "Replace this URL" (admin
    app) and `leadq outbound-url INSTALLATION --replace` make a new secret: the old URL is refused at
    once, the new one is accepted and shown."""
    from click.testing import CliRunner

    from core.records import CrmKind
    from leadq.cli import main
    from storage import admins, installations
    from tests.support.admin import csrf_of
    from tests.support.sync import worker_env

    old = _shown(client, crm)
    with sessions.begin() as db:
        installation_id = db.scalar(select(OutboundSecret.installation_id))
        alice = admins.create(db, "alice", PASSWORD)
        admins.grant(db, alice.id, installation_id)
        hubspot = installations.upsert_installation(db, CrmKind.HUBSPOT, "4242").id
        admins.grant(db, alice.id, hubspot)
    sign_in(client, "alice")
    page = client.get(f"/installations/{installation_id}").get_data(as_text=True)
    assert "Replace this URL" in page and "stops working" in page
    token = csrf_of(page)
    # without the confirmation nothing changes; without the CSRF token it is refused
    client.post(f"/installations/{installation_id}/outbound/replace", data={"csrf_token": token})
    assert client.post(
        f"/installations/{installation_id}/outbound/replace", data={"confirm": "replace"}
    ).status_code in (400, 403)
    assert _post(client, old, _forged(crm, 1)).status_code == 200, "still the current URL"
    assert (
        client.post(
            f"/installations/{hubspot}/outbound/replace", data={"csrf_token": token, "confirm": "replace"}
        ).status_code
        == 404
    ), "a HubSpot installation has no outbound URL"
    replaced = client.post(
        f"/installations/{installation_id}/outbound/replace",
        data={"csrf_token": token, "confirm": "replace"},
        follow_redirects=True,
    )
    text = replaced.get_data(as_text=True)
    assert replaced.status_code == 200 and "Salesforce Setup" in text and "stopped working" in text
    new = SHOWN.search(text)
    assert new and new.group(1) != old
    answer = _post(client, old, _forged(crm, 1))
    assert answer.status_code == 404 and b"<Ack>true</Ack>" not in answer.data, "the leaked URL is dead"
    assert _post(client, new.group(1), _forged(crm, 1)).status_code == 200, "the new URL is accepted"
    # the CLI: prints the current URL; --replace makes a new one; clear errors, no traceback
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    runner = CliRunner()
    shown = runner.invoke(main, ["outbound-url", str(installation_id)])
    assert shown.exit_code == 0 and shown.output.strip() == f"http://leadq.test{new.group(1)}"
    again = runner.invoke(main, ["outbound-url", str(installation_id), "--replace"])
    assert again.exit_code == 0, again.output
    newest = SHOWN.search(again.output)
    assert newest and newest.group(1) != new.group(1) and "Salesforce Setup" in again.output
    assert _post(client, new.group(1), _forged(crm, 1)).status_code == 404
    assert _post(client, newest.group(1), _forged(crm, 1)).status_code == 200
    page = client.get(f"/installations/{installation_id}").get_data(as_text=True)
    assert f'<code id="outbound-url">http://leadq.test{newest.group(1)}</code>' in page
    for args, message in (
        (["outbound-url", "999"], "there is no installation 999"),
        (["outbound-url", str(hubspot), "--replace"], "only Salesforce installations"),
    ):
        failed = runner.invoke(main, args)
        assert failed.exit_code != 0 and message in failed.output, failed.output
        assert "Traceback" not in failed.output and failed.exception.__class__.__name__ == "SystemExit"
