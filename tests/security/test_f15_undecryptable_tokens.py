"""F15 (review 2026-12): a worker started with the wrong LEADQ_ENCRYPTION_KEYS failed every task with
VaultError while the admin app said "healthy". Now the installation is marked with a reason the
admin sees (installation page, installations list, `leadq status`), the work is kept, and a worker
with the right keys recovers the installation and processes what was kept. Real worker processes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pydantic import SecretStr
from sqlalchemy import select

from leadq.app import create_app
from leadq.cli import main
from storage import admins
from storage.tables import Installation, ProcessedEvent
from storage.vault import Vault
from tests.support.admin import PASSWORD, sign_in
from tests.support.faults import start_worker, stop, wait_until, worker_log
from tests.support.hubspot import Enqueued, event, install, signed_post

REASON = "this worker cannot decrypt the tokens: check LEADQ_ENCRYPTION_KEYS"


def _status(sessions) -> tuple[str, str]:
    with sessions() as db:
        row = db.scalars(select(Installation)).one()
        return row.status, row.status_reason


def _events(sessions) -> dict[str, str]:
    with sessions() as db:
        return {e.record_id: e.status for e in db.scalars(select(ProcessedEvent))}


def _cli_status(settings, monkeypatch) -> str:
    for key, value in settings.to_env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.redis
def test_f15_a_wrong_key_worker_marks_the_installation_keeps_the_work_and_the_right_key_worker_recovers(
    leadq_settings, crm, sessions, redis_client, monkeypatch
):
    install(create_app(leadq_settings, enqueue=Enqueued()).test_client(), crm)
    with sessions.begin() as db:
        installation_id = db.scalars(select(Installation)).one().id
        alice = admins.create(db, "alice", PASSWORD)
        admins.grant(db, alice.id, installation_id)
    web = create_app(leadq_settings).test_client()  # enqueues on the real broker
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = (r.id for r in portal.live("contacts")[:2])
    before = {rid: dict(portal.get("contacts", rid).props) for rid in (first, second)}

    wrong = leadq_settings.model_copy(update={"encryption_keys": SecretStr(Vault.generate_key())})
    worker = start_worker(wrong, queues="changes,default")
    try:
        answer = signed_post(web, crm.client_secret, [event(crm.portal_id, int(first), value="CEO")])
        assert answer.status_code == 200 and answer.get_json()["accepted"] == 1
        marked = wait_until(lambda: _status(sessions)[0] == "cannot_decrypt", 45)
        assert marked, worker_log(wrong)
    finally:
        stop(worker)
    assert "installation.cannot-decrypt" in worker_log(wrong)

    # What the admin sees: not "healthy", and why.
    assert sign_in(web, "alice").status_code == 302
    page = web.get(f"/installations/{installation_id}").get_data(as_text=True)
    assert "cannot decrypt tokens" in page and REASON in page and "healthy" not in page
    listing = web.get("/").get_data(as_text=True)
    assert REASON in listing and "healthy" not in listing
    assert f"cannot_decrypt ({REASON})" in _cli_status(leadq_settings, monkeypatch)

    # Nothing lost, nothing marked done, nothing written to the CRM.
    assert _events(sessions) == {str(first): "queued"}
    answer = signed_post(web, crm.client_secret, [event(crm.portal_id, int(second), value="CTO")])
    assert answer.status_code == 200 and answer.get_json()["paused"] == 1  # kept while marked
    assert _events(sessions) == {str(first): "queued", str(second): "paused"}
    assert "1 queued change, 1 kept until it works again" in _cli_status(leadq_settings, monkeypatch)
    for rid in (first, second):
        assert portal.get("contacts", rid).props == before[rid]
    assert not crm.requests.entries(lambda e: e.path.endswith("/contacts/batch/update"))

    # A worker with the right keys starts: the mark clears and both kept changes are processed.
    worker = start_worker(leadq_settings, queues="changes,default")
    try:
        processed = wait_until(lambda: set(_events(sessions).values()) == {"done"}, 60)
        assert processed, worker_log(leadq_settings) + json.dumps(_events(sessions))
    finally:
        stop(worker)
    assert _status(sessions) == ("active", "")
    for rid in (first, second):
        assert portal.get("contacts", rid).props.get("leadq_tier") in ("L1", "L2", "L3", "L4")
    page = web.get(f"/installations/{installation_id}").get_data(as_text=True)
    assert REASON not in page and "cannot decrypt" not in page
