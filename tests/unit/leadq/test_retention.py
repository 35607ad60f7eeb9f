"""Retention keeps each record's newest score and routing decision, recent events and every
unprocessed event; it deletes the rest past the period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.records import CrmKind
from storage import installations
from storage.retention import prune
from storage.tables import ProcessedEvent, RoutingDecisionRow, ScoreRow

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _score(inst: int, record: str, days_ago: int) -> ScoreRow:
    return ScoreRow(
        installation_id=inst,
        object_type="contact",
        record_id=record,
        fit=50,
        engagement=10,
        tier="L2",
        verdict="nurture",
        confidence="high",
        scored_at=NOW - timedelta(days=days_ago),
    )


def test_prune_keeps_what_is_still_used(sessions):
    with sessions.begin() as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "p").id
        session.add_all(
            [_score(inst, "a", 400), _score(inst, "a", 300), _score(inst, "a", 5), _score(inst, "b", 400)]
        )
        for days in (400, 200):
            when = NOW - timedelta(days=days)
            session.add(
                RoutingDecisionRow(
                    installation_id=inst, object_type="contact", record_id="a", decided_at=when
                )
            )
        for key, status, days in (("old", "done", 400), ("young", "done", 3), ("stuck", "queued", 400)):
            session.add(
                ProcessedEvent(
                    installation_id=inst, event_key=key, status=status, received_at=NOW - timedelta(days=days)
                )
            )
    gone = prune(sessions, keep_days=180, now=NOW)
    assert (gone.events, gone.scores, gone.routing_decisions) == (1, 2, 1)
    with sessions() as session:
        scores = sorted(
            (r.record_id, (NOW - r.scored_at.replace(tzinfo=UTC)).days)
            for r in session.scalars(select(ScoreRow))
        )
        events = sorted(e.event_key for e in session.scalars(select(ProcessedEvent)))
        routed = session.scalars(select(RoutingDecisionRow)).all()
    assert scores == [("a", 5), ("b", 400)], "each record keeps its newest score, however old"
    assert events == ["stuck", "young"], "unprocessed and recent events stay"
    assert len(routed) == 1 and (NOW - routed[0].decided_at.replace(tzinfo=UTC)).days == 200
    assert prune(sessions, keep_days=1, now=NOW).events == 0, "events stay 7 days at least"
