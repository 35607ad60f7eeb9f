"""The one change intake and the event lifecycle, on the backend under test."""

from __future__ import annotations

import pytest

from core.records import CrmKind
from storage import events as event_store
from storage import installations
from storage.statuses import EventStatus
from workers.services.intake import Change, accept

pytestmark = pytest.mark.db


def _installation(sessions, status=installations.ACTIVE) -> int:
    with sessions.begin() as session:
        row = installations.upsert_installation(session, CrmKind.HUBSPOT, "123")
        installations.set_status(session, row.id, status)
        return row.id


def _accept(sessions, installation_id, changes):
    with sessions.begin() as session:
        return accept(session, installations.get(session, installation_id), changes)


def test_the_intake_drops_echoes_and_duplicates_and_queues_the_rest(sessions) -> None:
    installation_id = _installation(sessions)
    changes = [
        Change("a", "contact", "1"),
        Change("b", "contact", "2"),
        Change("c", "contact", "3", echo=True),
    ]
    first = _accept(sessions, installation_id, changes)
    assert (first.queued, first.accepted, first.echoes, first.duplicates) == (["a", "b"], 2, 1, 0)
    again = _accept(sessions, installation_id, changes)
    assert (again.queued, again.duplicates, again.echoes) == ([], 2, 1)
    with sessions() as session:
        assert event_store.count_queued(session, installation_id) == 2


def test_a_claimed_version_leadq_has_is_a_duplicate_and_never_recorded(sessions) -> None:
    installation_id = _installation(sessions)
    with sessions.begin() as session:
        event_store.record_new(session, installation_id, [("v1", "lead", "1", None)], status=EventStatus.DONE)
    result = _accept(
        sessions,
        installation_id,
        [Change("n1", "lead", "1", version_key="v1"), Change("n2", "lead", "1", version_key="v2")],
    )
    assert (result.queued, result.duplicates) == (["n2"], 1)
    with sessions() as session:
        assert event_store.known(session, installation_id, ["v2", "n1"]) == set()


def test_an_installation_that_cannot_work_keeps_its_changes_paused_until_resumed(sessions) -> None:
    installation_id = _installation(sessions, installations.NEEDS_REAUTH)
    result = _accept(sessions, installation_id, [Change("a", "contact", "1")])
    assert (result.queued, result.paused, result.recorded) == ([], 1, ["a"])
    with sessions.begin() as session:
        assert event_store.resume_paused(session, installation_id) == ["a"]
        claimed = event_store.claim_queued(session, installation_id, 10)
        event_store.mark_done(session, [e.id for e in claimed])
    assert [e.record_id for e in claimed] == ["1"]
    with sessions() as session:
        assert event_store.count_queued(session, installation_id) == 0


def test_an_unknown_or_uninstalled_installation_records_nothing(sessions) -> None:
    installation_id = _installation(sessions, installations.UNINSTALLED)
    with sessions.begin() as session:
        assert accept(session, None, [Change("a", "contact", "1")]).unknown == 1
    assert _accept(sessions, installation_id, [Change("a", "contact", "1")]).unknown == 1
    with sessions() as session:
        assert event_store.known(session, installation_id, ["a"]) == set()
