"""A batch's history in one transaction: ledger, scores (changes only), routing decisions,
feedback and dead letters."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from connector.base import RecordError
from core.records import CrmKind, FieldUpdate, ObjectType, RecordRef
from routing.types import Decision
from storage import dead_letters, history, installations, ledger, routing_log, scores
from storage.db import transaction
from storage.history import BatchHistory, Override, RoutingEntry
from storage.scores import NewScore
from storage.statuses import DecisionStatus

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _ref(record_id: str) -> RecordRef:
    return RecordRef(CrmKind.HUBSPOT, "1", ObjectType.CONTACT, record_id)


def _score(record_id: str, fit: float = 80.4) -> NewScore:
    return NewScore(
        "contact",
        record_id,
        "v1",
        fit,
        20.0,
        0.51234,
        "L1",
        "sales_ready",
        "low",
        [["f", 1.0, "t"]],
        "rules",
        AT,
    )


def test_a_batch_is_recorded_whole_and_repeated_scores_are_not_stored(sessions):
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "history").id
    written = [FieldUpdate(_ref("1"), "leadq_tier", "L1")]
    batch = BatchHistory(
        written=written,
        versions={"1": "v1"},
        sent=[*written, FieldUpdate(_ref("2"), "leadq_tier", "L2")],
        failed=[RecordError(_ref("2"), "owner-refused", "owner 7: INVALID_OWNER_ID")],
        scores=[_score("1"), _score("2")],
        keep_score=lambda new, stored: not scores.same_score(stored, new),
        routed=[
            RoutingEntry(_ref("1"), Decision("7", None, "round_robin", ("rr",)), None),
            RoutingEntry(_ref("2"), Decision("7", None, "round_robin", ("rr",)), None, refused=True),
        ],
        decided_at=AT,
        overrides=[Override(_ref("1"), "leadq_tier", "L1", "L3")],
    )
    history.record_batch(sessions, inst, batch)
    # The same scores again (80.4 and 80.0 are the same whole points): nothing new is stored.
    again = dataclasses.replace(batch, scores=[_score("1", 80.0), _score("2", 90.0)], routed=(), overrides=())
    history.record_batch(sessions, inst, again)
    with transaction(sessions) as session:
        assert ledger.for_records(session, inst, [("contact", "1")]) == {
            ("contact", "1"): {"leadq_tier": "L1"}
        }
        newest = scores.newest_for(session, inst, [("contact", "1"), ("contact", "2")])
        assert newest[("contact", "1")].fit == 80.4 and newest[("contact", "2")].fit == 90.0
        assert len(scores.newest_all(session, inst)) == 2
        assert routing_log.latest(session, inst, "contact", "1").status == DecisionStatus.ASSIGNED
        assert routing_log.latest(session, inst, "contact", "2").status == DecisionStatus.REFUSED
        assert [r.record_id for r in routing_log.newest_open_assignments(session, inst)] == ["1"]
        assert [r.record_id for r in dead_letters.open_rows(session, inst)] == ["2"]


def test_same_score_compares_as_shown():
    stored = scores.StoredScore(
        tier="L1",
        verdict="sales_ready",
        fit=80.5,
        engagement=20.0,
        probability=0.51234,
        model_version="rules",
        reasons=[["f", 1.0, "t"]],
    )
    assert scores.same_score(stored, _score("1", 80.0))  # round() ties to even: 80.5 -> 80
    assert not scores.same_score(stored, _score("1", 80.0), points=lambda v: int(v + 0.5))
    assert not scores.same_score(None, _score("1"))
    assert not scores.same_score(stored, dataclasses.replace(_score("1", 80.0), tier="L2"))
