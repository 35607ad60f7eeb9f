"""Outcomes kept in leadq's store: one per record, the newest wins, whatever order they arrive in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.records import CrmKind
from storage import installations, outcomes
from storage.outcomes import NewOutcome
from storage.stamps import aware


def stored(sessions, inst):
    with sessions() as session:
        return {
            (r.object_type, r.record_id): (r.kind, aware(r.occurred_at))
            for r in outcomes.all_for(session, inst)
        }


def test_the_newest_outcome_of_a_record_wins(sessions):
    early, late = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    with sessions.begin() as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "outcomes").id
        assert outcomes.upsert(session, inst, [NewOutcome("contact", "1", "lost", late)]) == 1
    with sessions.begin() as session:  # an older deal of the same person read later: kept out
        assert outcomes.upsert(session, inst, [NewOutcome("contact", "1", "won", early)]) == 0
    assert stored(sessions, inst) == {("contact", "1"): ("lost", late)}
    newer = datetime(2026, 11, 20, tzinfo=UTC)
    with sessions.begin() as session:
        changed = outcomes.upsert(
            session,
            inst,
            [NewOutcome("contact", "1", "won", newer), NewOutcome("pipeline_lead", "1", "won", newer)],
        )
    assert changed == 2
    assert stored(sessions, inst) == {
        ("contact", "1"): ("won", newer),
        ("pipeline_lead", "1"): ("won", newer),
    }
    with sessions.begin() as session, pytest.raises(ValueError, match="rejected"):
        outcomes.upsert(session, inst, [NewOutcome("contact", "2", "rejected", newer)])
