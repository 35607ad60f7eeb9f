"""Who each scored record is: name, e-mail, company, domain and owner, as leadq last read them when it
scored the record. One row per record, replaced at each scoring; the Leads list reads and searches it
(``storage.lead_pages``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.records import ObjectType
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
    """Insert or replace these records' rows (an upsert, in record order, so concurrent batches cannot
    collide or deadlock)."""
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
        for _, f in sorted(latest.items())
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LeadDirectoryRow)
    changing = (*LIMITS, "updated_at")
    upsert = stmt.on_conflict_do_update(
        index_elements=["installation_id", "object_type", "record_id"],
        set_={k: stmt.excluded[k] for k in changing},
    )
    session.execute(upsert, rows)  # compiled once and cached, whatever the number of rows


# HubSpot's Leads records and their contacts: a Leads record's row names its contact (``person_id``).
_PIPELINE_LEAD, _CONTACT = ObjectType.PIPELINE_LEAD.value, ObjectType.CONTACT.value


def contact_of_lead(
    session: Session, installation_id: int, lead: LeadDirectoryRow
) -> LeadDirectoryRow | None:
    """The row of a Leads record's contact, or None: not a Leads record, its contact unknown, or leadq
    has no row for that contact."""
    if lead.object_type != _PIPELINE_LEAD or not lead.person_id:
        return None
    return session.scalars(
        select(LeadDirectoryRow).filter_by(
            installation_id=installation_id, object_type=_CONTACT, record_id=lead.person_id
        )
    ).first()


def leads_of_contact(
    session: Session, installation_id: int, contact: LeadDirectoryRow, limit: int = 20
) -> list[LeadDirectoryRow]:
    """The rows of a contact's Leads records, newest first (at most ``limit``)."""
    if contact.object_type != _CONTACT:
        return []
    of_contact = {"object_type": _PIPELINE_LEAD, "person_id": contact.record_id}
    stmt = (
        select(LeadDirectoryRow)
        .filter_by(installation_id=installation_id, **of_contact)
        .order_by(LeadDirectoryRow.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def owner_names(session: Session, installation_id: int) -> dict[str, str]:
    """Owner id -> the name leadq last read for them (owners whose name it never read are left out)."""
    rows = session.execute(
        select(LeadDirectoryRow.owner_id, func.max(LeadDirectoryRow.owner_name))
        .where(
            LeadDirectoryRow.installation_id == installation_id,
            LeadDirectoryRow.owner_id != "",
            LeadDirectoryRow.owner_name != "",
        )
        .group_by(LeadDirectoryRow.owner_id)
    )
    return {str(owner): str(name) for owner, name in rows}
