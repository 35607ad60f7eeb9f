"""HubSpotAdapter: leadq's CrmAdapter over hubspot-api-client, for one portal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from hubspot.crm.contacts import (
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectId,
)

from connector.base import Cursor, FieldChange, FieldSpec, Page, PipelineLeads, ProvisionReport, WriteReport
from connector.hubspot.client import OBJECTS, HubSpotCalls, api
from connector.hubspot.limits import SEARCH
from connector.hubspot.mapping import (
    DEFAULT_MAP,
    FieldMap,
    company_to_account,
    contact_to_person,
    parse_time,
)
from connector.hubspot.outcomes import associations, deal_outcomes, list_owners
from connector.hubspot.paging import changed_since, list_all
from connector.hubspot.provisioning import ensure_properties
from connector.hubspot.writes import write_updates
from core.records import (
    Account,
    CrmKind,
    FieldState,
    FieldUpdate,
    ObjectType,
    Outcome,
    Owner,
    Person,
    RecordRef,
    WrittenBy,
)

BATCH = 100
HISTORY_BATCH = 50
HUMAN_SOURCES = frozenset({"CRM_UI", "CRM_UI_BULK_ACTION", "MOBILE_IOS", "MOBILE_ANDROID"})


def _stamp(value: Any) -> datetime | None:
    """A history entry's timestamp (the SDK's datetime, or HubSpot's ISO text) as aware UTC."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    parsed = parse_time(value)
    return parsed.astimezone(UTC) if parsed is not None else None


class HubSpotAdapter:
    kind = CrmKind.HUBSPOT
    owner_field = "hubspot_owner_id"
    people_objects = (ObjectType.CONTACT,)
    pipeline_leads: PipelineLeads | None = None  # see connector.base.PipelineLeads

    def __init__(
        self,
        calls: HubSpotCalls,
        portal_id: str,
        app_id: str | None = None,
        fields: FieldMap = DEFAULT_MAP,
        extra_properties: Sequence[str] = (),
        company_extra_properties: Sequence[str] = (),
        pipeline_leads: PipelineLeads | None = None,
    ) -> None:
        self.calls, self.portal_id, self.app_id, self.fields = calls, str(portal_id), app_id, fields
        # HubSpot's Leads, where the installation granted the leads scopes (``connector.hubspot.leads``)
        self.pipeline_leads = pipeline_leads
        # Also read these (leadq's own fields, the owner): the write policy compares against them.
        self.extra_properties = tuple(extra_properties)
        self.company_extra_properties = tuple(company_extra_properties)  # leadq's own fields on companies

    # Reading ---------------------------------------------------------------------------------

    def _properties(self, object_name: str) -> list[str]:
        if object_name == "contacts":
            return sorted({*self.fields.contact_properties(), *self.extra_properties})
        return sorted({*self.fields.company_properties(), *self.company_extra_properties})

    def _map(self, object_name: str, obj: dict[str, Any]) -> Person | Account:
        if object_name == "contacts":
            return contact_to_person(self.portal_id, obj, self.fields)
        return company_to_account(self.portal_id, obj, self.fields)

    def read_with_accounts(self, obj: ObjectType, ids: Sequence[str]) -> list[tuple[Person, Account | None]]:
        """Contacts with their primary company: the company id property, else the v4 association."""
        people = [p for p in self.read(obj, ids) if isinstance(p, Person)]
        missing = [p.ref.record_id for p in people if not p.account_id]
        linked = self._associations("contacts", "companies", missing) if missing else {}
        company_of = {
            p.ref.record_id: p.account_id or next(iter(linked.get(p.ref.record_id) or ()), None)
            for p in people
        }
        wanted = sorted({c for c in company_of.values() if c})
        accounts = {
            a.ref.record_id: a for a in self.read(ObjectType.ACCOUNT, wanted) if isinstance(a, Account)
        }
        return [(p, accounts.get(company_of[p.ref.record_id] or "")) for p in people]

    def people_of(self, account_ids: Sequence[str]) -> dict[str, list[RecordRef]]:
        """Each company's contacts (v4 associations, 1,000 companies per call)."""
        linked = self._associations("companies", "contacts", [str(i) for i in account_ids])
        return {
            account: [RecordRef(CrmKind.HUBSPOT, self.portal_id, ObjectType.CONTACT, c) for c in contacts]
            for account, contacts in linked.items()
        }

    def count(self, obj: ObjectType) -> int | None:
        """How many records there are (a one-result search reports the total)."""
        name = OBJECTS[obj]
        result = self.calls.call(
            lambda c: api(c, name).search_api.do_search(
                PublicObjectSearchRequest(limit=1, properties=["hs_object_id"])
            ),
            bucket=SEARCH,
            what=f"count {name}",
        )
        return int(result.total)

    def iter_records(self, obj: ObjectType, since: Cursor | None) -> Iterator[Page]:
        """Everything (list API) when ``since`` is None, else changes by last-modified time (search)."""
        if obj == ObjectType.PIPELINE_LEAD:
            if self.pipeline_leads is None:
                raise ValueError("this installation has no HubSpot Leads (the leads scopes were not granted)")
            yield from self.pipeline_leads.iter_leads(since)
            return
        name = OBJECTS[obj]

        def to_records(rows: list[dict[str, Any]]) -> list[Person | Account]:
            return [self._map(name, row) for row in rows]

        if since is None or since.since is None:
            yield from list_all(self.calls, name, self._properties(name), to_records, since)
        else:
            prop = (self.fields.contact if name == "contacts" else self.fields.company)["modified_at"]
            yield from changed_since(self.calls, name, prop, self._properties(name), to_records, since)

    def read(self, obj: ObjectType, ids: Sequence[str]) -> list[Person | Account]:
        name = OBJECTS[obj]
        out: list[Person | Account] = []
        for start in range(0, len(ids), BATCH):
            chunk = [str(i) for i in ids[start : start + BATCH]]
            request = BatchReadInputSimplePublicObjectId(
                properties=self._properties(name),
                properties_with_history=[],
                inputs=[SimplePublicObjectId(id=i) for i in chunk],
            )
            result = self.calls.call(lambda c, r=request: api(c, name).batch_api.read(r), what=f"read {name}")
            out.extend(self._map(name, r.to_dict()) for r in result.results)
        return out

    def _with_history(
        self, refs: Sequence[RecordRef], keys_of: Callable[[Sequence[RecordRef]], list[str]]
    ) -> Iterator[tuple[RecordRef, dict[str, Any], dict[str, list[dict[str, Any]]]]]:
        """Batch reads with property history (50 records per call): (ref, properties, history newest
        first) for each record found; ``keys_of(chunk)`` names the properties to read."""
        by_object: dict[ObjectType, list[RecordRef]] = defaultdict(list)
        for wanted in refs:
            by_object[wanted.object_type].append(wanted)
        for obj, group in by_object.items():
            name = OBJECTS[obj]
            for start in range(0, len(group), HISTORY_BATCH):
                chunk = group[start : start + HISTORY_BATCH]
                keys = keys_of(chunk)
                request = BatchReadInputSimplePublicObjectId(
                    properties=keys,
                    properties_with_history=keys,
                    inputs=[SimplePublicObjectId(id=r.record_id) for r in chunk],
                )
                result = self.calls.call(
                    lambda c, r=request, n=name: api(c, n).batch_api.read(r), what=f"history {name}"
                )
                index = {r.record_id: r for r in chunk}
                for row in result.results:
                    data = row.to_dict()
                    ref = index.get(str(data["id"]))
                    if ref is None:
                        continue
                    history = {
                        key: [e.to_dict() if hasattr(e, "to_dict") else e for e in entries or []]
                        for key, entries in (data.get("properties_with_history") or {}).items()
                    }
                    yield ref, data.get("properties") or {}, history

    def field_states(
        self, refs: Sequence[RecordRef], keys: Sequence[str]
    ) -> dict[RecordRef, dict[str, FieldState]]:
        """Current value and who last wrote it, from property history (50 records per call)."""
        out: dict[RecordRef, dict[str, FieldState]] = {}
        for ref, props, history in self._with_history(refs, lambda _chunk: list(keys)):
            states = {}
            for key in keys:
                newest = next(iter(history.get(key) or ()), None)
                states[key] = FieldState(
                    value=props.get(key),
                    written_by=self._writer(newest),
                    written_at=newest.get("timestamp") if newest else None,
                )
            out[ref] = states
        return out

    def human_changes(
        self, refs: Sequence[RecordRef], keys: Sequence[str], after: datetime | None = None
    ) -> dict[RecordRef, list[FieldChange]]:
        """Every entry of these properties' history a person made (a UI or mobile edit), oldest
        first, strictly after ``after`` when given (50 records per call, all entries of each)."""
        out: dict[RecordRef, list[FieldChange]] = {}
        for ref, _props, history in self._with_history(refs, lambda _chunk: list(keys)):
            changes = [
                FieldChange(key, entry.get("value") or None, at)
                for key in keys
                for entry in history.get(key) or ()
                if self._writer(entry) == WrittenBy.USER
                and (at := _stamp(entry.get("timestamp"))) is not None
                and (after is None or at > after)
            ]
            if changes:
                out[ref] = sorted(changes, key=lambda c: c.at)
        return out

    def replaced_values(self, written: Sequence[FieldUpdate]) -> dict[tuple[RecordRef, str], FieldState]:
        """What each of leadq's writes replaced, from property history (50 records per call): the entry
        just below leadq's own, when leadq's is still the newest."""
        ours: dict[RecordRef, dict[str, str]] = defaultdict(dict)
        for update in written:
            ours[update.ref][update.key] = "" if update.value is None else str(update.value)
        out: dict[tuple[RecordRef, str], FieldState] = {}

        def keys_of(chunk: Sequence[RecordRef]) -> list[str]:
            return sorted({k for ref in chunk for k in ours[ref]})

        for ref, _props, history in self._with_history(list(ours), keys_of):
            for key, value in ours[ref].items():
                entries = history.get(key) or []
                if not entries or self._writer(entries[0]) != WrittenBy.LEADQ:
                    continue  # no change recorded, or someone wrote after leadq: theirs stands
                if (entries[0].get("value") or "") != value:
                    continue
                before = entries[1] if len(entries) > 1 else None
                out[(ref, key)] = FieldState(
                    value=(before.get("value") or None) if before else None,
                    written_by=self._writer(before),
                    written_at=before.get("timestamp") if before else None,
                )
        return out

    def _writer(self, entry: dict[str, Any] | None) -> WrittenBy:
        if not entry:
            return WrittenBy.UNKNOWN
        source = entry.get("source_type") or ""
        if source in HUMAN_SOURCES:
            return WrittenBy.USER
        if source == "INTEGRATION" and self.app_id and str(entry.get("source_id")) == str(self.app_id):
            return WrittenBy.LEADQ
        return WrittenBy.INTEGRATION if source else WrittenBy.UNKNOWN

    # Writing ---------------------------------------------------------------------------------

    def write(self, updates: Sequence[FieldUpdate]) -> WriteReport:
        """Batch update at 100 records per call; a rejected batch is split to find the bad records."""
        return write_updates(self.calls, updates)

    def ensure_fields(self, specs: Sequence[FieldSpec]) -> ProvisionReport:
        """leadq's properties on contacts and companies, and on leads where the installation has them."""
        objects = ("contacts", "companies", *(("leads",) if self.pipeline_leads is not None else ()))
        return ensure_properties(self.calls, specs, objects)

    # Owners and outcomes ----------------------------------------------------------------------

    def owners(self) -> list[Owner]:
        return list_owners(self.calls)

    def outcomes(self) -> list[Outcome]:
        """Closed deals (won or lost) as outcomes of their associated contacts."""
        return deal_outcomes(self.calls, self.portal_id)

    def _associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> dict[str, list[str]]:
        return associations(self.calls, from_type, to_type, ids)
