"""The reps' feedback as training reads it (storage.feedback): every row on a person with the tier of
the person's newest score, a HubSpot Leads record's feedback as its contact's, and the people scored
per tier."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from core.records import CrmKind
from storage import feedback, installations, lead_directory, scores
from storage.db import transaction
from storage.lead_directory import LeadFacts
from storage.scores import NewScore
from storage.tables import Feedback

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _score(object_type: str, record_id: str, tier: str, at: datetime = AT) -> NewScore:
    return NewScore(object_type, record_id, "v1", 50.0, 20.0, 0.5, tier, "nurture", "low", [], "rules", at)


def _override(inst: int, object_type: str, record_id: str, key: str, ours: str, theirs: str) -> Feedback:
    return Feedback(
        installation_id=inst,
        object_type=object_type,
        record_id=record_id,
        kind="override",
        field_key=key,
        leadq_value=ours,
        human_value=theirs,
    )


def test_feedback_reads_carry_the_persons_newest_tier_and_leads_map_to_their_contact(sessions):
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "feedback-reads").id
        other = installations.upsert_installation(session, CrmKind.HUBSPOT, "someone-else").id
        scores.add(session, inst, _score("contact", "c1", "L3"))
        scores.add(
            session, inst, dataclasses.replace(_score("contact", "c1", "L1"), scored_at=AT + timedelta(1))
        )
        scores.add(session, inst, _score("contact", "c2", "L2"))
        scores.add(session, inst, _score("account", "a1", "L1"))  # a company: not a person
        scores.add(session, other, _score("contact", "c9", "L1"))
        lead_directory.record(
            session,
            inst,
            [LeadFacts("pipeline_lead", "pl1", person_id="c2"), LeadFacts("pipeline_lead", "pl2")],
        )
        session.add(_override(inst, "contact", "c1", "leadq_verdict", "sales_ready", "disqualified"))
        session.add(_override(inst, "pipeline_lead", "pl1", "leadq_tier", "L2", "L4"))
        session.add(_override(inst, "pipeline_lead", "pl2", "leadq_tier", "L2", "L4"))  # contact unknown
        session.add(_override(inst, "account", "a1", "leadq_tier", "L1", "L4"))
        session.add(_override(other, "contact", "c9", "leadq_tier", "L1", "L4"))
    with sessions() as session:
        rows = feedback.for_training(session, inst)
        counted = feedback.scored_by_tier(session, inst)
    assert [(r.object_type, r.record_id, r.field_key, r.human_value, r.leadq_tier) for r in rows] == [
        ("contact", "c1", "leadq_verdict", "disqualified", "L1"),
        ("contact", "c2", "leadq_tier", "L4", "L2"),
    ]
    assert all(r.at.tzinfo is not None for r in rows)
    assert counted == {"L1": 1, "L2": 1}
