"""Who each scored record is: name, e-mail, company, domain and owner, as leadq last read them when it
scored the record. One row per record, replaced at each scoring; the Leads list reads and searches it
(``storage.lead_pages``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.tables import LeadDirectoryRow, utcnow

LIMITS = {
    "name": 255,
    "email": 255,
    "company": 255,
    "domain": 255,
    "owner_id": 64,
    "owner_name": 255,
    "person_id": 64,
    "label": 64,
    "stage": 64,
}


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """One record's identity as read from the CRM ("" where the CRM has nothing)."""

    object_type: str
    record_id: str
    name: str = ""
    email: str = ""
    company: str = ""
    domain: str = ""
    owner_id: str = ""
    owner_name: str = ""
    person_id: str = ""  # a HubSpot Leads record's contact
    label: str = ""  # a HubSpot Leads record's label (hot, warm, cold) as the CRM stores it
    stage: str = ""  # a HubSpot Leads record's pipeline stage id


def record(session: Session, installation_id: int, facts: Sequence[LeadFacts]) -> None:
    """Insert or replace these records' rows (one statement; concurrent batches cannot collide)."""
    latest = {(f.object_type, f.record_id): f for f in facts}  # a record twice in a batch: the last wins
    if not latest:
        return
    now = utcnow()
    rows = [
        {
            **{k: (v or "")[: LIMITS.get(k, 64)] for k, v in asdict(f).items()},
            "installation_id": installation_id,
            "updated_at": now,
        }
        for f in latest.values()
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LeadDirectoryRow).values(rows)
    changing = (*LIMITS, "updated_at")
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["installation_id", "object_type", "record_id"],
            set_={k: stmt.excluded[k] for k in changing},
        )
    )
