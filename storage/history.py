"""What a batch leaves behind, recorded in one transaction: the write ledger, the new scores, who the
scored records are (the lead directory), the routing decisions, the overrides people made (feedback)
and the dead letters of refused writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.records import FieldUpdate, RecordRef
from routing.types import Decision
from storage import dead_letters, lead_directory, ledger, routing_log, scores
from storage.db import Sessions
from storage.dead_letters import Refusal
from storage.lead_directory import LeadFacts
from storage.scores import NewScore, StoredScore
from storage.statuses import DecisionStatus
from storage.tables import Feedback


@dataclass(frozen=True, slots=True)
class RoutingEntry:
    """A routing decision to log; ``refused``: the CRM refused its owner (not an open assignment);
    ``probability``: the record's calibrated probability when routed; ``created_at``: when the CRM
    created the record (both for monitoring)."""

    ref: RecordRef
    decision: Decision
    previous_owner_id: str | None
    refused: bool = False
    probability: float | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """A person's value over one leadq wrote or would write (kept, and recorded as feedback)."""

    ref: RecordRef
    field_key: str
    leadq_value: str | None
    human_value: str | None


def _always(_new: NewScore, _stored: StoredScore | None) -> bool:
    return True


@dataclass
class BatchHistory:
    """Everything one batch records. ``keep_score(new, newest stored)`` says whether a new score is
    stored; it is asked inside the transaction, against the newest score at that moment."""

    written: Sequence[FieldUpdate] = ()
    versions: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (type, id) -> version read
    sent: Sequence[FieldUpdate] = ()
    failed: Sequence[Refusal] = ()
    scores: Sequence[NewScore] = ()
    keep_score: Callable[[NewScore, StoredScore | None], bool] = _always
    routed: Sequence[RoutingEntry] = ()
    decided_at: datetime | None = None
    overrides: Sequence[Override] = ()
    directory: Sequence[LeadFacts] = ()  # who the scored records are (name, company, owner ...)


def record_batch(sessions: Sessions, installation_id: int, batch: BatchHistory) -> None:
    """Record a batch's ledger, scores, routing decisions, feedback and dead letters, all or none."""
    with sessions.begin() as session:
        ledger.record_writes(session, installation_id, batch.written, dict(batch.versions))
        newest = scores.newest_for(session, installation_id, [s.key for s in batch.scores])
        for new in batch.scores:
            if batch.keep_score(new, newest.get(new.key)):
                scores.add(session, installation_id, new)
        lead_directory.record(session, installation_id, batch.directory)
        for entry in batch.routed:
            routing_log.record(
                session,
                installation_id,
                entry.ref.object_type.value,
                entry.ref.record_id,
                entry.decision,
                previous_owner_id=entry.previous_owner_id,
                decided_at=batch.decided_at,
                status=DecisionStatus.REFUSED if entry.refused else None,
                probability=entry.probability,
                record_created_at=entry.created_at,
            )
        for o in batch.overrides:
            if _said_before(session, installation_id, o):
                continue
            session.add(
                Feedback(
                    installation_id=installation_id,
                    object_type=o.ref.object_type.value,
                    record_id=o.ref.record_id,
                    kind="override",
                    field_key=o.field_key,
                    leadq_value=o.leadq_value,
                    human_value=o.human_value,
                )
            )
        dead_letters.record_outcome(session, installation_id, batch.written, batch.failed, batch.sent)


def _said_before(session: Session, installation_id: int, override: Override) -> bool:
    """The same person's value over the same leadq value is already the newest feedback on this field:
    a record re-planned while a person's value stands is one piece of feedback, not one per change."""
    newest = session.scalars(
        select(Feedback)
        .where(
            Feedback.installation_id == installation_id,
            Feedback.object_type == override.ref.object_type.value,
            Feedback.record_id == override.ref.record_id,
            Feedback.field_key == override.field_key,
            Feedback.kind == "override",
        )
        .order_by(Feedback.id.desc())
        .limit(1)
    ).first()
    return (
        newest is not None
        and newest.human_value == override.human_value
        and newest.leadq_value == override.leadq_value
    )
