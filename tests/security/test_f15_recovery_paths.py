"""F15, the other ways back (in-process, the real sandbox and database): a task delivered to a worker
with the right keys recovers a marked installation itself; a wrong-key worker never turns the mark
into "needs re-authorization"; the watchdog recovers and requeues; a backfill keeps its checkpoint."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage import installations
from storage.tables import Installation, ProcessedEvent, SyncCursor
from storage.vault import Vault
from tests.support import sync as sync_support
from tests.support.hubspot import event, signed_post
from workers import tasks
from workers.services.context import Runtime

# Fixtures shared with other test directories (tests/support).
installed = sync_support.installed
runtime = sync_support.runtime

REASON = "this worker cannot decrypt the tokens: check LEADQ_ENCRYPTION_KEYS"


@pytest.fixture
def wrong_runtime(runtime):
    return Runtime(runtime.settings, runtime.sessions, Vault([Vault.generate_key()]), runtime.redis)


def _installation(sessions) -> Installation:
    with sessions() as db:
        return db.scalars(select(Installation)).one()


def _events(sessions) -> list[str]:
    with sessions() as db:
        return sorted(db.scalars(select(ProcessedEvent.status)))


@pytest.mark.redis
def test_f15_a_task_on_a_right_key_worker_recovers_the_installation_and_a_wrong_key_one_keeps_the_mark(
    client,
    crm,
    installed,
    runtime,
    wrong_runtime,
    sessions,
    monkeypatch,
):
    contacts = [int(r.id) for r in crm.sandbox.portals[crm.portal_id].live("contacts")[:2]]
    assert signed_post(client, crm.client_secret, [event(crm.portal_id, contacts[0])]).status_code == 200

    monkeypatch.setattr(tasks, "runtime", lambda: wrong_runtime)
    assert tasks.process_changes(installed, []) == {"cannot_decrypt": True}
    row = _installation(sessions)
    assert (row.status, row.status_reason) == ("cannot_decrypt", REASON)
    assert _events(sessions) == ["queued"]
    # Later tasks on the wrong-key worker: still not the CRM's fault, the mark and the work stay.
    for task in (tasks.process_changes, tasks.poll, tasks.reroute_task, tasks.retry_errors):
        task(installed, *([[]] if task is tasks.process_changes else []))
        assert _installation(sessions).status == "cannot_decrypt", task.name
    assert tasks.backfill(installed, "contact") == {}
    assert _installation(sessions).status == "cannot_decrypt"
    assert (
        signed_post(client, crm.client_secret, [event(crm.portal_id, contacts[1])]).get_json()["paused"] == 1
    )
    assert _events(sessions) == ["paused", "queued"]

    monkeypatch.setattr(tasks, "runtime", lambda: runtime)  # the next task reaches a right-key worker
    report = tasks.process_changes(installed, [])
    assert report["scored"] == 2, report
    row = _installation(sessions)
    assert (row.status, row.status_reason) == ("active", "")
    assert _events(sessions) == ["done", "done"]


@pytest.mark.redis
def test_f15_the_watchdog_recovers_with_the_right_keys_only_and_requeues_the_kept_work(
    client,
    crm,
    installed,
    runtime,
    wrong_runtime,
    sessions,
    monkeypatch,
):
    sent: list[tuple[str, list]] = []
    monkeypatch.setattr(tasks.process_changes, "apply_async", lambda args, queue: sent.append((queue, args)))
    monkeypatch.setattr(tasks.backfill, "apply_async", lambda args, queue: sent.append((queue, args)))
    monkeypatch.setattr(tasks, "runtime", lambda: wrong_runtime)
    contact = int(crm.sandbox.portals[crm.portal_id].live("contacts")[0].id)
    with sessions.begin() as db:  # a backfill stopped at its checkpoint by the wrong-key worker
        db.add(
            SyncCursor(installation_id=installed, name="backfill", object_type="contact", status="running")
        )
    assert tasks.backfill(installed, "contact", False, False, True) == {"cannot_decrypt": True}
    assert signed_post(client, crm.client_secret, [event(crm.portal_id, contact)]).get_json()["paused"] == 1

    assert tasks.schedule("watchdog") == 0 and sent == []  # wrong keys: nothing recovered, nothing requeued
    assert _installation(sessions).status == "cannot_decrypt"
    assert tasks.schedule("keys") == 0

    monkeypatch.setattr(tasks, "runtime", lambda: runtime)
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update={"stall_after_s": 0.0}))
    tasks.schedule("watchdog")
    assert _installation(sessions).status == installations.ACTIVE
    assert ("changes", [installed, []]) in sent
    assert ("backfill", [installed, "contact", False, False, True]) in sent, "the backfill resumes"
    assert _events(sessions) == ["queued"]
