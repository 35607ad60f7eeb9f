"""Canonical types that cross package boundaries.

Standard library only: every package may import this module, and it must
never pull in Flask, SQLAlchemy or a CRM SDK. Raw CRM payloads never appear
here; ``connector/<crm>/mapping.py`` converts them to and from these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class CrmKind(enum.StrEnum):
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"


class ObjectType(enum.StrEnum):
    """CRM-neutral object kinds. HubSpot contacts and Salesforce leads/contacts are people."""

    LEAD = "lead"  # Salesforce Lead
    CONTACT = "contact"  # HubSpot contact, Salesforce Contact
    ACCOUNT = "account"  # HubSpot company, Salesforce Account
    DEAL = "deal"  # HubSpot deal, Salesforce Opportunity
    # HubSpot's Leads object (0-136): a person's lead in a lead pipeline, worked by a rep; not a person
    # itself (Salesforce's Lead is ``LEAD``). Scored from its contact, labelled and routed like it.
    PIPELINE_LEAD = "pipeline_lead"


class Tier(enum.StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"


class Verdict(enum.StrEnum):
    SALES_READY = "sales_ready"
    NURTURE = "nurture"
    DISQUALIFIED = "disqualified"
    NEEDS_INFO = "needs_info"


# What a person sees for leadq's stable internal values (CRM picklist labels, the admin app).
VERDICT_LABELS = {
    Verdict.SALES_READY: "Sales-ready",
    Verdict.NURTURE: "Nurture",
    Verdict.DISQUALIFIED: "Disqualified",
    Verdict.NEEDS_INFO: "Needs info",
}
CONFIDENCE_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}


class WrittenBy(enum.StrEnum):
    """Who last wrote a CRM field: the write policy's key input."""

    LEADQ = "leadq"
    INTEGRATION = "integration"  # another app or an import
    USER = "user"  # a person, in the CRM's UI or mobile app
    UNKNOWN = "unknown"


class OutcomeKind(enum.StrEnum):
    WON = "won"
    LOST = "lost"
    REJECTED = "rejected"  # a rep rejected the lead
    OVERRIDDEN = "overridden"  # a rep changed a value leadq wrote


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Identifies one CRM record of one tenant."""

    crm: CrmKind
    tenant_id: str  # HubSpot portal id, Salesforce organization id
    object_type: ObjectType
    record_id: str

    def key(self) -> str:
        return f"{self.crm.value}:{self.tenant_id}:{self.object_type.value}:{self.record_id}"


@dataclass(frozen=True, slots=True)
class Engagement:
    """Aggregated engagement signals, as counts plus last-seen times (UTC-aware)."""

    site_visits: int = 0
    page_views: int = 0
    email_opens: int = 0
    email_clicks: int = 0
    form_submissions: int = 0
    meetings: int = 0
    last_visit_at: datetime | None = None
    last_email_open_at: datetime | None = None
    last_email_click_at: datetime | None = None
    last_form_at: datetime | None = None
    last_activity_at: datetime | None = None
    # Points the CRM's own engagement tool has given (Salesforce Account Engagement's prospect score),
    # dated by last_activity_at; 0 where the CRM has none.
    tool_points: float = 0.0

    @property
    def last_engaged_at(self) -> datetime | None:
        """The newest of the last-seen times (None: no engagement seen)."""
        seen = [
            t
            for t in (
                self.last_visit_at,
                self.last_email_open_at,
                self.last_email_click_at,
                self.last_form_at,
                self.last_activity_at,
            )
            if t is not None
        ]
        return max(seen) if seen else None


def parse_iso(text: str) -> datetime | None:
    """An ISO 8601 date-time as CRMs write it (``Z``, ``+00:00`` or Salesforce's ``+0000``), or None
    when it is not one. Naive when the text has no zone."""
    text = (text or "").strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def version_time(version: str) -> datetime | None:
    """A record's ``version`` (its last-modified stamp, as the CRM wrote it) as an aware datetime, or
    None when it is empty, not a date-time, or has no zone."""
    stamp = parse_iso(version)
    return stamp if stamp is not None and stamp.tzinfo else None


@dataclass(frozen=True, slots=True)
class Account:
    """A company/account with normalised firmographics (None where unknown)."""

    ref: RecordRef
    name: str | None = None
    domain: str | None = None  # lower-cased, no scheme, no www.
    website: str | None = None
    industry: str | None = None
    employees: int | None = None
    annual_revenue: float | None = None  # in the CRM's currency units
    country: str | None = None  # ISO 3166-1 alpha-2
    region: str | None = None  # state/province code or name
    city: str | None = None
    tech_stack: tuple[str, ...] = ()
    owner_id: str | None = None
    version: str = ""  # last-modified stamp; part of every idempotency key
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class Person:
    """A lead or contact with normalised person fields and messy originals kept in ``raw``."""

    ref: RecordRef
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company_name: str | None = None
    website: str | None = None
    phone: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    region: str | None = None
    city: str | None = None
    industry: str | None = None
    employees_text: str | None = None  # as typed ("1,000-5,000", "50+")
    revenue_text: str | None = None  # as typed ("$2.5M")
    lead_source: str | None = None
    lifecycle_stage: str | None = None
    status: str | None = None
    owner_id: str | None = None
    account_id: str | None = None
    engagement: Engagement = field(default_factory=Engagement)
    created_at: datetime | None = None
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


class LeadState(enum.StrEnum):
    """Where a pipeline lead stands, from its stage (the CRM's stage ids differ per pipeline)."""

    OPEN = "open"
    QUALIFIED = "qualified"  # closed: the rep qualified it (HubSpot: a deal follows)
    DISQUALIFIED = "disqualified"  # closed: the rep ruled it out


@dataclass(frozen=True, slots=True)
class PipelineLead:
    """A HubSpot Leads record: one person's lead in a lead pipeline, owned and worked by a rep.

    ``person_id`` is its contact (HubSpot refuses a lead without one), ``account_id`` its company
    where it has one; ``label`` the CRM's stored value (hot/warm/cold), ``stage`` the stage id and
    ``state`` what that stage means. ``raw`` keeps the properties as read (leadq's own included)."""

    ref: RecordRef
    person_id: str | None = None
    account_id: str | None = None
    name: str | None = None
    owner_id: str | None = None
    pipeline: str | None = None
    stage: str | None = None
    state: LeadState = LeadState.OPEN
    label: str | None = None
    lead_type: str | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None  # when it entered a closed stage
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A labelled result used for training: a deal won/lost or a rep's feedback."""

    ref: RecordRef  # the person or account the outcome belongs to
    kind: OutcomeKind
    occurred_at: datetime
    amount: float | None = None
    source_ref: RecordRef | None = None  # the deal/opportunity, when there is one
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Owner:
    """A CRM user (or queue) that records can be assigned to."""

    crm: CrmKind
    owner_id: str
    email: str | None = None
    name: str | None = None
    active: bool = True
    is_queue: bool = False
    teams: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One change notification after verification and parsing."""

    event_id: str
    ref: RecordRef
    occurred_at: datetime
    changed_fields: tuple[str, ...] = ()
    source: str = ""  # e.g. CRM_UI, INTEGRATION, API
    source_id: str = ""  # e.g. userId:123 or an app id


@dataclass(frozen=True, slots=True)
class FieldState:
    value: str | None
    written_by: WrittenBy = WrittenBy.UNKNOWN
    written_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FieldUpdate:
    ref: RecordRef
    key: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor behind a score: its label, its signed contribution and a readable sentence."""

    factor: str
    contribution: float
    text: str
