"""The adapter protocol every CRM connector implements, and the values an adapter is built from.

One adapter instance exists per installation. It speaks only ``core.records``
types and raises only ``connector.errors`` types, so the sync engine above it
never learns which CRM it is talking to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from core.records import (
    Account,
    CrmKind,
    FieldState,
    FieldUpdate,
    ObjectType,
    Outcome,
    Owner,
    Person,
    PipelineLead,
    RecordRef,
)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where an incremental read stands: a high-water mark plus an opaque page token.

    ``since`` is the last-modified stamp (ISO 8601, UTC) of the newest record seen;
    ``after`` is the CRM's own paging token inside the current window.
    """

    since: str | None = None
    after: str | None = None
    seen_ids_at_since: tuple[str, ...] = ()  # ids sharing the ``since`` stamp, already emitted


@dataclass(frozen=True, slots=True)
class Page:
    records: Sequence[Person | Account | PipelineLead]
    next_cursor: Cursor | None  # where this pass continues; None: nothing more in this pass
    checkpoint: Cursor | None = None  # where the next incremental pass starts, once this page is handled


@dataclass(frozen=True, slots=True)
class RecordError:
    ref: RecordRef
    reason: str  # short machine code, doubles as the dead-letter code
    message: str


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[FieldUpdate, ...] = ()
    failed: tuple[RecordError, ...] = ()
    api_calls: int = 0


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One change of a field a person made, as the CRM's field history records it."""

    key: str  # the field, as the adapter's caller named it
    value: str | None  # the value it was given (None: cleared, or a value history does not keep)
    at: datetime  # when, aware UTC


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field leadq owns in the CRM, described CRM-neutrally."""

    key: str
    label: str
    kind: str  # number | percent | text | multiline | enum | datetime
    options: tuple[str, ...] = ()  # stable internal values, what leadq writes and reads
    description: str = ""
    option_labels: tuple[str, ...] = ()  # what a person sees, one per option (default: the value)
    objects: tuple[str, ...] = ()  # ObjectType values the field lives on; empty: every object

    def on(self, object_type: str) -> bool:
        return not self.objects or object_type in self.objects

    def label_of(self, value: str) -> str:
        """The human label of an option's internal value."""
        labels = dict(zip(self.options, self.option_labels or self.options, strict=True))
        return labels.get(value, value)


@dataclass(frozen=True, slots=True)
class ProvisionReport:
    created: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()  # same name, other type: reported, never overwritten
    details: dict[str, str] = field(default_factory=dict)
    updated: tuple[str, ...] = ()  # leadq's own fields brought up to date (labels, display, type)


@dataclass(frozen=True, slots=True)
class NewLead:
    """A pipeline lead leadq asks the CRM to create for a person (in the first stage of the default
    lead pipeline), with the fields to set on it (leadq's own, the label, the owner)."""

    person_id: str
    account_id: str | None
    name: str
    owner_id: str | None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreateReport:
    created: tuple[PipelineLead, ...] = ()  # as the CRM returned them (``person_id`` filled)
    failed: tuple[tuple[NewLead, str, str], ...] = ()  # (what was asked, reason code, message)
    api_calls: int = 0


@runtime_checkable
class PipelineLeads(Protocol):
    """A CRM's lead objects that are not people (HubSpot's Leads): read, listed, created. Writes to
    them go through ``CrmAdapter.write`` like any record's (``FieldUpdate`` with a ``PIPELINE_LEAD``
    ref), and their history through ``field_states``/``replaced_values``."""

    def open_leads_of(self, person_ids: Sequence[str]) -> dict[str, list[PipelineLead]]:
        """Each person's open leads (person id -> leads; people without one are absent), in batches."""
        ...

    def read_leads(self, ids: Sequence[str]) -> list[PipelineLead]:
        """Leads by id, open or closed, with their person and account; missing ids are absent."""
        ...

    def iter_leads(self, since: Cursor | None) -> Iterator[Page]:
        """Page through every lead (``since`` None) or the ones changed since the cursor."""
        ...

    def create_leads(self, new: Sequence[NewLead]) -> CreateReport:
        """Create leads associated with their person and account, in batches at the API maximum."""
        ...

    def lead_outcomes(self) -> list[Outcome]:
        """Leads in a closed stage as outcomes of their person (qualified: won, disqualified: lost)."""
        ...

    def label_options(self) -> list[str]:
        """The values a lead's label may take in this CRM (to check a routing file's label map)."""
        ...


@runtime_checkable
class CrmAdapter(Protocol):
    """What the sync engine needs from a CRM, per installation."""

    kind: CrmKind
    owner_field: str  # the CRM's owner field, as it appears in ``Person.raw`` and in writes
    # The CRM's lead objects that are not people, where the installation has them (HubSpot's Leads
    # with the leads scopes granted); None elsewhere.
    pipeline_leads: PipelineLeads | None

    @property
    def people_objects(self) -> tuple[ObjectType, ...]:
        """Where people live: HubSpot contacts; Salesforce leads, contacts."""
        ...

    def iter_records(self, obj: ObjectType, since: Cursor | None) -> Iterator[Page]:
        """Page through records changed since the cursor, correct past search caps."""
        ...

    def read(self, obj: ObjectType, ids: Sequence[str]) -> list[Person | Account]:
        """Read records by id in batches; missing ids are simply absent from the result."""
        ...

    def read_with_accounts(self, obj: ObjectType, ids: Sequence[str]) -> list[tuple[Person, Account | None]]:
        """People by id, each with its account (None where there is none)."""
        ...

    def people_of(self, account_ids: Sequence[str]) -> dict[str, list[RecordRef]]:
        """Each account's people (HubSpot: the company's contacts; Salesforce: the account's contacts)."""
        ...

    def count(self, obj: ObjectType) -> int | None:
        """How many records of this kind a backfill will visit (for the progress bar)."""
        ...

    def outcomes(self) -> list[Outcome]:
        """Closed won/lost deals as outcomes of the people they belong to."""
        ...

    def field_states(
        self, refs: Sequence[RecordRef], keys: Sequence[str]
    ) -> dict[RecordRef, dict[str, FieldState]]:
        """Current value of each field and who last wrote it."""
        ...

    def human_changes(
        self, refs: Sequence[RecordRef], keys: Sequence[str], after: datetime | None = None
    ) -> dict[RecordRef, list[FieldChange]]:
        """Every change of these fields a person made (not leadq, not another integration), oldest
        first, from the CRM's field history: all of it, not only the newest entry per field. With
        ``after``, only the changes strictly after it. Records without such a change are absent.
        Batched as the CRM allows, never one call per record."""
        ...

    def write(self, updates: Sequence[FieldUpdate]) -> WriteReport:
        """Write in batches at the API maximum; per-record failures are reported, not raised."""
        ...

    def replaced_values(self, written: Sequence[FieldUpdate]) -> dict[tuple[RecordRef, str], FieldState]:
        """For leadq's writes just made: the value each one replaced and who had set it, from field
        history. Only where leadq's write is still the newest change; fields without history are absent."""
        ...

    def ensure_fields(self, specs: Sequence[FieldSpec]) -> ProvisionReport:
        """Create leadq's fields where missing; safe to repeat."""
        ...

    def owners(self) -> list[Owner]:
        """Every user or queue records can be assigned to."""
        ...


class Tokens(Protocol):
    """An installation's access token, and one refresh when the CRM refuses it."""

    def current(self) -> str: ...

    def after_unauthorized(self, rejected_token: str) -> str: ...


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Connection settings an adapter gets from the entry point (never from settings itself)."""

    api_base: str  # HubSpot's API host; a Salesforce org's instance URL
    timeout_s: float = 30.0
    ca_bundle: str | None = None
    app_id: str | None = None  # lets the adapter recognise its own writes
    api_version: str | None = None  # Salesforce's REST version (None: the client's default)
    page_size: int | None = None  # records per read call (None: the CRM's default)
    # Tries at a CRM that has not answered this client yet and cannot be reached (refused, unknown
    # host, timed out) before the call fails: a command a person waits on gives up in about a second
    # instead of retrying for half a minute. None: as many as any other retried failure.
    unreachable_attempts: int | None = None
