"""The backfill preview as an admin lives it, with a real worker process (or none): the page and its
JSON status follow the preview, Cancel really stops the task, and a preview no worker picks up says
so plainly, with the command that starts one."""

from __future__ import annotations

import html
import re
import time

import pytest

from leadq.app import create_app
from storage.heartbeats import heartbeat_key
from tests.support.admin import csrf_of, sign_in
from tests.support.sync import start_worker, wait_until, worker_env

START_WORKER = "celery -A workers.celery_app worker -Q backfill"


@pytest.fixture
def crm(sandbox_factory):
    """Enough contacts, slow enough, that a preview is still running when Cancel is pressed."""
    running = sandbox_factory(seed=62, records=1500, rate_limit=10_000)
    return running


def _status(client, installation_id: int) -> dict:
    answer = client.get(f"/installations/{installation_id}/backfill/preview.json")
    assert answer.status_code == 200
    return answer.get_json()


def _page(client, installation_id: int) -> str:
    return html.unescape(client.get(f"/installations/{installation_id}").get_data(as_text=True))


def _preview_section(page: str) -> str:
    return page.split('id="preview"')[1].split("</section>")[0]


@pytest.mark.redis
def test_a_running_preview_shows_progress_and_cancel_stops_its_task(
    client, accounts, crm, leadq_settings, redis_client
) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    redis_client.delete("backfill")
    crm.sandbox.faults.update(latency_ms=120)  # each CRM call slow: the preview takes a while
    worker = start_worker(worker_env(leadq_settings), "backfill", solo=True)
    try:
        token = csrf_of(_page(client, mine))
        started = client.post(f"/installations/{mine}/backfill/preview", data={"csrf_token": token})
        assert started.status_code == 302 and started.headers["Location"].endswith("#preview")
        assert wait_until(lambda: _status(client, mine)["records"] >= 200, 90), _status(client, mine)
        running = _status(client, mine)
        assert running["state"] == "running"
        assert running["message"].startswith("Preview running: ") and "looked at so far" in running["message"]
        contacts = next(o for o in running["objects"] if o["object_type"] == "contact")
        assert contacts["text"] == f"{contacts['done']:,} / 1,500 contacts", contacts
        section = _preview_section(_page(client, mine))
        assert "Preview of contacts" in section and "Cancel the preview" in section
        assert "Approve and write" not in section and "Refresh" not in section

        cancelled = client.post(f"/installations/{mine}/backfill/preview/cancel", data={"csrf_token": token})
        assert cancelled.status_code == 302
        # the task notices at its next page and ends: its heartbeat goes, nothing is sent after it
        key = heartbeat_key(mine, "preview")
        assert wait_until(lambda: not redis_client.exists(key), 30), "the preview task is still running"
        stopped_at = _status(client, mine)
        calls = len(crm.requests.entries())
        time.sleep(3)
        after = _status(client, mine)
        assert after["state"] == "cancelled" and after["records"] == stopped_at["records"] < 1500
        assert len(crm.requests.entries()) == calls, "the CRM is still being read after the cancel"
        assert redis_client.llen("backfill") == 0, "a continuation of the cancelled preview was queued"
        assert worker.poll() is None, "the worker itself keeps running"
        section = _preview_section(_page(client, mine))
        assert (
            f"Preview cancelled after {after['records']:,} records looked at. Nothing was written." in section
        )
        assert "Start a new preview" in section and "Approve and write" not in section

        # a new preview can be started, and runs to the end
        crm.sandbox.faults.update(latency_ms=0)
        client.post(f"/installations/{mine}/backfill/preview", data={"csrf_token": token})
        assert wait_until(lambda: _status(client, mine)["state"] == "done", 120), _status(client, mine)
        done = _status(client, mine)
        assert done["records"] >= 1500 and done["writes"] > 0
        section = _preview_section(_page(client, mine))
        assert "Approve and write" in section and "Preview running" not in section
        assert not crm.requests.entries(lambda e: e.path.endswith("/batch/update")), "a preview wrote"
    finally:
        worker.terminate()
        worker.wait(timeout=20)


@pytest.mark.redis
def test_a_preview_no_worker_picks_up_says_so_and_can_be_cancelled(
    accounts, leadq_settings, redis_client, installed
) -> None:
    # no worker runs; "no sign of a worker for 2 s" stands for the default 30 s
    quick = create_app(leadq_settings.model_copy(update={"worker_lost_after_s": 2.0})).test_client()
    mine = accounts["alice"]
    sign_in(quick, "alice")
    redis_client.delete("backfill")
    token = csrf_of(_page(quick, mine))
    quick.post(f"/installations/{mine}/backfill/preview", data={"csrf_token": token})
    waiting = _status(quick, mine)
    assert waiting["state"] == "waiting" and "waiting for a leadq worker" in waiting["message"]
    assert redis_client.llen("backfill") == 1, "the preview's task waits in the broker"
    assert wait_until(lambda: _status(quick, mine)["state"] == "no_worker", 10)
    stuck = _status(quick, mine)
    assert stuck["message"].startswith("No leadq worker has picked this preview up")
    assert START_WORKER in stuck["message"] and "docs/operations.md" in stuck["message"]
    section = _preview_section(_page(quick, mine))
    assert "No leadq worker has picked this preview up" in section and START_WORKER in section
    assert "Cancel the preview" in section and "Start the preview again" in section
    assert "Preview running" not in section

    assert quick.post(f"/installations/{mine}/backfill/preview/cancel", data={}).status_code == 400, "CSRF"
    assert _status(quick, mine)["state"] == "no_worker"
    quick.post(f"/installations/{mine}/backfill/preview/cancel", data={"csrf_token": token})
    assert _status(quick, mine)["state"] == "cancelled"
    # a worker started now takes the queued task: it sees the cancel and does nothing
    worker = start_worker(worker_env(leadq_settings), "backfill", solo=True)
    try:
        assert wait_until(lambda: redis_client.llen("backfill") == 0, 60), "the worker did not take the task"
        time.sleep(3)
        final = _status(quick, mine)
        assert final["state"] == "cancelled" and final["records"] == 0, final
        assert "Preview cancelled after 0 records looked at" in _preview_section(_page(quick, mine))
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    _a_dry_run_after_the_cancel_previews_again(leadq_settings, mine)


def _a_dry_run_after_the_cancel_previews_again(leadq_settings, installation: int) -> None:
    """`leadq backfill N --dry-run` after a preview cancelled in the admin app runs a new preview
    (it used to answer at once with the cancelled preview's figures)."""
    from click.testing import CliRunner

    from leadq.cli import main

    env = {k: v for k, v in worker_env(leadq_settings).items() if k.startswith("LEADQ_")}
    done = CliRunner(env=env).invoke(main, ["backfill", str(installation), "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "dry run: nothing was written" in done.output
    assert re.search(r"Per field \((\d[\d,]*) records\)", done.output), done.output
    assert "(0 records)" not in done.output, done.output


def test_the_preview_status_needs_a_granted_installation(client, accounts) -> None:
    sign_in(client, "bob")
    assert client.get(f"/installations/{accounts['alice']}/backfill/preview.json").status_code == 404
    assert client.get(f"/installations/{accounts['bob']}/backfill/preview.json").get_json()["state"] == "none"
