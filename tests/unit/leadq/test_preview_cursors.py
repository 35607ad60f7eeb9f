"""A cancelled preview stays cancelled on the backend under test: the page a task was handling when
the admin pressed Cancel is not stored over the cancel, no task starts it over by itself, and a new
preview (or an explicit restart) starts it again."""

from __future__ import annotations

import pytest

from core.records import CrmKind
from storage import cursors, installations
from storage.statuses import CursorStatus

pytestmark = pytest.mark.db


def _status(sessions, installation_id: int, object_type: str) -> str:
    with sessions() as db:
        return cursors.read(db, installation_id, object_type, cursors.PREVIEW).status


def test_a_cancel_is_never_overwritten_and_a_new_preview_starts_again(sessions) -> None:
    with sessions.begin() as db:
        inst = installations.upsert_installation(db, CrmKind.HUBSPOT, "4242").id
        assert cursors.cancel_previews(db, inst, ["contact", "account"]) == 0, "no preview: nothing to cancel"
        cursors.request_previews(db, inst, ["contact", "account"])
    with sessions.begin() as db:
        started = cursors.start_over(db, inst, "contact", cursors.PREVIEW, "h1", 500)
        assert started.status == CursorStatus.RUNNING
    with sessions.begin() as db:  # the admin cancels while the task handles its first page
        assert cursors.cancel_previews(db, inst, ["contact", "account"]) == 2
    with sessions.begin() as db:  # the task's checkpoint of that page
        status = cursors.checkpoint(
            db, inst, "contact", cursors.PREVIEW, after="100", done=100, config="h1", actions={}
        )
        assert status == CursorStatus.CANCELLED
    with sessions() as db:
        row = cursors.read(db, inst, "contact", cursors.PREVIEW)
        assert (row.status, row.done) == (CursorStatus.CANCELLED, 0), (
            "the page was not stored over the cancel"
        )
    with sessions.begin() as db:  # a queued task for the companies never starts them
        assert (
            cursors.start_over(db, inst, "account", cursors.PREVIEW, "h1", 50).status
            == CursorStatus.CANCELLED
        )
    assert _status(sessions, inst, "account") == CursorStatus.CANCELLED
    with sessions.begin() as db:  # an explicit restart (the CLI) does
        assert cursors.start_over(
            db, inst, "account", cursors.PREVIEW, "h1", 50, keep_cancelled=False
        ).status == (CursorStatus.RUNNING)
    with sessions.begin() as db:  # a new preview from the page resets every object
        cursors.clear_previews(db, inst)
        cursors.request_previews(db, inst, ["contact", "account"])
    assert _status(sessions, inst, "contact") == CursorStatus.IDLE
    with sessions.begin() as db:
        assert (
            cursors.start_over(db, inst, "contact", cursors.PREVIEW, "h2", 500).status == CursorStatus.RUNNING
        )
        cursors.delete_previews(db, inst)
    with sessions.begin() as db:  # a discarded preview's task stops too (its row is not recreated)
        status = cursors.checkpoint(
            db, inst, "contact", cursors.PREVIEW, after="1", done=1, config="h2", actions={}
        )
        assert status == CursorStatus.CANCELLED
        assert cursors.named(db, inst, cursors.PREVIEW) == []
