"""Dead letters on the backend under test: one open row per failing record, whatever happens."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from connector.base import RecordError
from core.records import CrmKind, FieldUpdate, ObjectType, RecordRef
from storage import dead_letters, installations
from storage.db import make_engine, make_session_factory
from storage.migrate import downgrade, upgrade
from storage.tables import DeadLetter

pytestmark = pytest.mark.db
OWNER = "hubspot_owner_id: INVALID_OWNER_ID (60071397 is not a valid owner id)"


def _installation(sessions) -> int:
    with sessions.begin() as session:
        return installations.upsert_installation(session, CrmKind.HUBSPOT, "20001000", installed_by="a").id


def _ref(record_id: str) -> RecordRef:
    return RecordRef(CrmKind.HUBSPOT, "20001000", ObjectType.CONTACT, record_id)


def _fail(sessions, installation: int, ids, message: str = OWNER, written=()) -> None:
    sent = [FieldUpdate(_ref(i), "hubspot_owner_id", "60071397") for i in ids]
    sent += [FieldUpdate(_ref(i), "leadq_tier", "L1") for i in ids]
    errors = [RecordError(_ref(i), "validation", message) for i in ids]
    ok = [FieldUpdate(_ref(i), "leadq_tier", "L2") for i in written]
    with sessions.begin() as session:
        dead_letters.record_outcome(session, installation, ok, errors, sent + ok)


def _open(sessions, installation: int) -> list[DeadLetter]:
    with sessions() as session:
        return dead_letters.open_rows(session, installation)


def test_a_record_failing_again_updates_its_one_open_dead_letter(sessions):
    inst = _installation(sessions)
    ids = [str(1000 + i) for i in range(330)]
    _fail(sessions, inst, ids, "hubspot_owner_id: INVALID_OWNER_ID")
    for _ in range(3):
        _fail(sessions, inst, ids)
    rows = _open(sessions, inst)
    assert len(rows) == 330
    assert {r.attempts for r in rows} == {4}
    assert {r.message for r in rows} == {OWNER}  # the newest message wins
    assert rows[0].payload == {"fields": {"hubspot_owner_id": "60071397", "leadq_tier": "L1"}}
    assert all(r.last_failed_at is not None for r in rows)
    with sessions() as session:
        assert dead_letters.failing_records(session, inst) == 330
        groups = dead_letters.group_failures(session, inst)
    assert [(g.count, g.text) for g in groups] == [
        (330, "hubspot_owner_id INVALID_OWNER_ID (60071397 is not a valid owner id)")
    ]
    assert groups[0].hint and groups[0].hint.startswith("retrying will not fix this: fix the routing")
    assert groups[0].examples() == ["1000", "1001", "1002"]


def test_a_record_written_without_failure_is_resolved_and_a_later_failure_opens_a_new_row(sessions):
    inst = _installation(sessions)
    _fail(sessions, inst, ["1", "2"])
    _fail(sessions, inst, [], written=["1"])
    assert [r.record_id for r in _open(sessions, inst)] == ["2"]
    _fail(sessions, inst, ["1"])
    rows = _open(sessions, inst)
    assert sorted(r.record_id for r in rows) == ["1", "2"]
    assert {r.attempts for r in rows} == {1}
    with sessions() as session:
        assert len(session.scalars(select(DeadLetter)).all()) == 3  # the resolved one is kept as history


def test_the_database_refuses_a_second_open_row_for_a_record(sessions):
    inst = _installation(sessions)
    _fail(sessions, inst, ["1"])
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(DeadLetter(installation_id=inst, object_type="contact", record_id="1", reason="x"))


def test_two_tasks_failing_the_same_records_at_once_leave_one_open_row_each(sessions, engine):
    inst = _installation(sessions)
    ids = [str(i) for i in range(50)]
    start = threading.Barrier(4)
    problems: list[BaseException] = []
    own = make_session_factory(make_engine(engine.url.render_as_string(hide_password=False)))

    def task(order: list[str]) -> None:
        try:
            start.wait()
            for _ in range(5):
                _fail(own, inst, order)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            problems.append(exc)

    # Two of them see the records in the opposite order: taking row locks in different orders
    # would deadlock on PostgreSQL.
    threads = [threading.Thread(target=task, args=(ids[:: 1 if n % 2 else -1],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []
    rows = _open(sessions, inst)
    assert len(rows) == 50 and {r.attempts for r in rows} == {20}


def test_the_migration_collapses_the_duplicates_an_older_leadq_left(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0009")  # the revision before this one
        created = datetime(2026, 12, 1, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO installations (id, crm_kind, external_id, status, status_reason,"
                    " installed_by, instance_url, scopes, created_at, updated_at, auth_env)"
                    " VALUES (1, 'hubspot', '20001000', 'active', '', 'a', '', '', :t, :t, '')"
                ),
                {"t": created},
            )
            rows = [("1001", "old", None), ("1001", "older", None), ("1001", "newest", None)]
            rows += [("1002", "only", None), ("1003", "fixed", created), ("1003", "open", None)]
            for record_id, message, resolved in rows:
                conn.execute(
                    text(
                        "INSERT INTO dead_letters (installation_id, object_type, record_id, reason, message,"
                        " payload, attempts, created_at, resolved_at)"
                        " VALUES (1, 'contact', :r, 'validation', :m, '{}', 0, :t, :resolved)"
                    ),
                    {"r": record_id, "m": message, "t": created, "resolved": resolved},
                )
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            kept = {(r.record_id, r.message, r.attempts) for r in dead_letters.open_rows(session, 1)}
            resolved = session.scalars(select(DeadLetter).where(DeadLetter.resolved_at.is_not(None))).all()
        assert kept == {("1001", "newest", 3), ("1002", "only", 1), ("1003", "open", 1)}
        assert [r.message for r in resolved] == ["fixed"]
        with pytest.raises(IntegrityError), sessions.begin() as session:
            session.add(DeadLetter(installation_id=1, object_type="contact", record_id="1001", reason="x"))
        downgrade(engine, "0009")  # and back: the revision is reversible
        upgrade(engine)
        with sessions() as session:
            assert dead_letters.failing_records(session, 1) == 3
    finally:
        engine.dispose()
