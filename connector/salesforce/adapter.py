"""SalesforceAdapter: leadq's CrmAdapter over simple-salesforce, for one org.

Reads are SOQL with keyset paging (resumable by id, or by (SystemModstamp, Id) for changes: many
records share a stamp after a bulk edit, and stamps have whole-second precision); writes are
sObject Collections at 200 records per call with per-record results; owners are Users; outcomes
come from converted leads and opportunities (won/lost) through ``ConvertedOpportunityId`` and
OpportunityContactRole; field history tells who last changed a field.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from connector.base import Cursor, FieldChange, FieldSpec, Page, PipelineLeads, ProvisionReport, WriteReport
from connector.fields import LEADQ_FIELDS
from connector.salesforce.client import SalesforceCalls, query_all
from connector.salesforce.history import HISTORY, history_name, is_id_row, is_lookup
from connector.salesforce.mapping import (
    BASE_FIELDS,
    OWNER_FIELD,
    SOBJECT,
    api_name,
    parse_time,
    to_account,
    to_person,
)
from connector.salesforce.outcomes import list_owners, opportunity_outcomes
from connector.salesforce.provisioning import ensure_fields
from connector.salesforce.writes import write_updates
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

PAGE = 2000  # SOQL rows per read call
ID_CHUNK = 200
FILTERS = {ObjectType.LEAD: "IsConverted = false"}  # converted leads cannot be updated
ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
NOT_PEOPLE = frozenset({"AutomatedProcess"})  # User.UserType of authors that are no person
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$")


def _id(value: str) -> str:
    if not ID.match(value):
        raise ValueError(f"not a Salesforce id: {value!r}")
    return value


def soql_time(value: str) -> str:
    """An ISO date-time as a SOQL literal (unquoted, UTC)."""
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError(f"not a date-time: {value!r}")
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SalesforceAdapter:
    kind = CrmKind.SALESFORCE
    owner_field = OWNER_FIELD
    people_objects = (ObjectType.LEAD, ObjectType.CONTACT)
    pipeline_leads: PipelineLeads | None = None  # see connector.base.PipelineLeads

    def __init__(
        self,
        calls: SalesforceCalls,
        org_id: str,
        integration_user_id: str = "",
        fields: Sequence[FieldSpec] = LEADQ_FIELDS,
        page_size: int = PAGE,
        read_leadq_fields: bool = True,  # False until provisioning has made them visible
    ) -> None:
        self.calls, self.org_id, self.integration_user_id = calls, org_id, integration_user_id
        self.fields = tuple(fields)
        self.page_size = page_size
        self.read_leadq_fields = read_leadq_fields
        self.specs = {spec.key: spec for spec in self.fields}

    # Reading ---------------------------------------------------------------------------------

    def _select(self, obj: ObjectType) -> str:
        names = list(BASE_FIELDS[obj])
        if self.read_leadq_fields:
            names += [api_name(spec.key) for spec in self.fields if spec.on(obj.value)]
        return ", ".join(dict.fromkeys(names))

    def _map(self, obj: ObjectType, row: dict[str, Any]) -> Person | Account:
        fields = tuple(s for s in self.fields if s.on(obj.value)) if self.read_leadq_fields else ()
        if obj == ObjectType.ACCOUNT:
            return to_account(self.org_id, row, fields)
        unassigned = frozenset({self.integration_user_id} - {""})
        return to_person(self.org_id, obj, row, fields, unassigned)

    def _query(self, soql: str, what: str) -> list[dict[str, Any]]:
        return query_all(self.calls, soql, what)

    def iter_records(self, obj: ObjectType, since: Cursor | None) -> Iterator[Page]:
        """Everything by id when ``since`` is None; else changes by (SystemModstamp, Id)."""
        if since is None or since.since is None:
            yield from self._all(obj, since.after if since else None)
        else:
            yield from self._changed(obj, since)

    def _where(self, obj: ObjectType, *conditions: str) -> str:
        parts = [c for c in (FILTERS.get(obj), *conditions) if c]
        return f" WHERE {' AND '.join(parts)}" if parts else ""

    def _all(self, obj: ObjectType, after: str | None) -> Iterator[Page]:
        sobject = SOBJECT[obj]
        while True:
            keyset = f"Id > '{_id(after)}'" if after else ""
            where = self._where(obj, keyset)
            soql = f"SELECT {self._select(obj)} FROM {sobject}{where} ORDER BY Id LIMIT {self.page_size}"
            rows = self._query(soql, f"list {sobject}")
            records = [self._map(obj, row) for row in rows]
            after = str(rows[-1]["Id"]) if rows else after
            more = len(rows) == self.page_size
            yield Page(records, Cursor(after=after) if more else None)
            if not more:
                return

    def _changed(self, obj: ObjectType, cursor: Cursor) -> Iterator[Page]:
        sobject = SOBJECT[obj]
        stamp, last_id = soql_time(str(cursor.since)), cursor.after
        while True:
            if last_id:
                keyset = f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > '{_id(last_id)}'))"
            else:
                keyset = f"SystemModstamp >= {stamp}"
            soql = (
                f"SELECT {self._select(obj)} FROM {sobject}{self._where(obj, keyset)} "
                f"ORDER BY SystemModstamp, Id LIMIT {self.page_size}"
            )
            rows = self._query(soql, f"changes {sobject}")
            records = [self._map(obj, row) for row in rows]
            if rows:
                stamp, last_id = soql_time(str(rows[-1]["SystemModstamp"])), str(rows[-1]["Id"])
            position = Cursor(since=stamp, after=last_id)
            more = len(rows) == self.page_size
            yield Page(records, position if more else None, position)
            if not more:
                return

    def count(self, obj: ObjectType) -> int | None:
        sobject = SOBJECT[obj]
        result = self.calls.call(
            lambda sf: sf.query(f"SELECT COUNT() FROM {sobject}{self._where(obj)}"), what=f"count {sobject}"
        )
        return int(result["totalSize"])

    def read(self, obj: ObjectType, ids: Sequence[str]) -> list[Person | Account]:
        sobject = SOBJECT[obj]
        out: list[Person | Account] = []
        clean = [_id(str(i)) for i in dict.fromkeys(ids)]
        for start in range(0, len(clean), ID_CHUNK):
            quoted = ",".join(f"'{i}'" for i in clean[start : start + ID_CHUNK])
            rows = self._query(
                f"SELECT {self._select(obj)} FROM {sobject} WHERE Id IN ({quoted})", f"read {sobject}"
            )
            out.extend(self._map(obj, row) for row in rows)
        return out

    def people_of(self, account_ids: Sequence[str]) -> dict[str, list[RecordRef]]:
        """Each account's contacts (leads have no account): one query per chunk of account ids."""
        out: dict[str, list[RecordRef]] = {}
        clean = [_id(str(i)) for i in dict.fromkeys(account_ids)]
        for start in range(0, len(clean), ID_CHUNK):
            quoted = ",".join(f"'{i}'" for i in clean[start : start + ID_CHUNK])
            where = self._where(ObjectType.CONTACT, f"AccountId IN ({quoted})")
            for row in self._query(f"SELECT Id, AccountId FROM Contact{where}", "contacts of accounts"):
                ref = RecordRef(CrmKind.SALESFORCE, self.org_id, ObjectType.CONTACT, str(row["Id"]))
                out.setdefault(str(row["AccountId"]), []).append(ref)
        return out

    def read_with_accounts(self, obj: ObjectType, ids: Sequence[str]) -> list[tuple[Person, Account | None]]:
        """People with their account: a Contact's ``AccountId``; a Lead has none (its own firmographics)."""
        people = [p for p in self.read(obj, ids) if isinstance(p, Person)]
        wanted = sorted({p.account_id for p in people if p.account_id})
        accounts = {
            a.ref.record_id: a for a in self.read(ObjectType.ACCOUNT, wanted) if isinstance(a, Account)
        }
        for person in people:
            account = accounts.get(person.account_id or "")
            if account is not None and person.company_name is None:
                object.__setattr__(person, "company_name", account.name)
        return [(p, accounts.get(p.account_id or "")) for p in people]

    def _history_rows(
        self, obj: ObjectType, ids: Sequence[str], names: Sequence[str], since: datetime | None = None
    ) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """(record id, field API name) -> its history rows, newest first (``ID_CHUNK`` ids per query);
        with ``since``, only the rows of that second or later.

        History records a lookup under its relationship name (``Owner``) in two rows, ids and
        names: only the id row is kept, under the field's API name (``OwnerId``)."""
        history, parent = HISTORY[obj]
        by_history = {history_name(n): n for n in set(names) if re.fullmatch(r"\w+", n)}
        wanted = ",".join(f"'{n}'" for n in sorted(by_history))
        out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        if not wanted:
            return out
        # CreatedDate has whole seconds: the second ``since`` falls in is kept, the caller compares exactly.
        newer = f" AND CreatedDate >= {since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" if since else ""
        for start in range(0, len(ids), ID_CHUNK):
            quoted = ",".join(f"'{_id(i)}'" for i in ids[start : start + ID_CHUNK])
            for row in self._query(
                f"SELECT {parent}, Field, DataType, OldValue, NewValue, CreatedById, CreatedDate "
                f"FROM {history} WHERE {parent} IN ({quoted}) AND Field IN ({wanted}){newer} "
                "ORDER BY CreatedDate DESC, Id DESC",
                f"history {history}",
            ):
                name = by_history.get(str(row["Field"]))
                if name is None or (is_lookup(name) and not is_id_row(row)):
                    continue
                out[(str(row[parent]), name)].append(row)
        return out

    def _writer_of(self, row: dict[str, Any] | None) -> WrittenBy:
        if row is None:
            return WrittenBy.UNKNOWN
        return WrittenBy.LEADQ if row["CreatedById"] == self.integration_user_id else WrittenBy.USER

    def field_states(
        self, refs: Sequence[RecordRef], keys: Sequence[str]
    ) -> dict[RecordRef, dict[str, FieldState]]:
        """Current value and who last changed it, from field history (tracked fields only)."""
        out: dict[RecordRef, dict[str, FieldState]] = {}
        by_object: dict[ObjectType, list[RecordRef]] = defaultdict(list)
        for ref in refs:
            by_object[ref.object_type].append(ref)
        names = {key: api_name(key) for key in keys}
        for obj, group in by_object.items():
            ids = [r.record_id for r in group]
            current = {p.ref.record_id: p for p in self.read(obj, ids)}
            rows = self._history_rows(obj, ids, list(names.values()))
            for ref in group:
                record = current.get(ref.record_id)
                states = {}
                for key, name in names.items():
                    entry = next(iter(rows.get((ref.record_id, name)) or ()), None)
                    value = record.raw.get(key) if record is not None else None
                    states[key] = FieldState(
                        value, self._writer_of(entry), entry["CreatedDate"] if entry else None
                    )
                out[ref] = states
        return out

    def human_changes(
        self, refs: Sequence[RecordRef], keys: Sequence[str], after: datetime | None = None
    ) -> dict[RecordRef, list[FieldChange]]:
        """Every change of these fields a person made, oldest first, from field history (tracked
        fields only; one query per 200 records, strictly after ``after`` when given). A row is a
        person's unless leadq's integration user wrote it or its author is no person (the
        Automated Process user that flows and triggers run as: one User query per batch)."""
        out: dict[RecordRef, list[FieldChange]] = {}
        by_object: dict[ObjectType, list[RecordRef]] = defaultdict(list)
        for ref in refs:
            if ref.object_type in HISTORY:
                by_object[ref.object_type].append(ref)
        names = {api_name(k): k for k in keys}
        for obj, group in by_object.items():
            rows_by = self._history_rows(obj, [r.record_id for r in group], list(names), after)
            found: dict[RecordRef, list[tuple[dict[str, Any], datetime, str]]] = defaultdict(list)
            for ref in group:
                for name, key in names.items():
                    for row in rows_by.get((ref.record_id, name)) or ():
                        at = parse_time(row.get("CreatedDate"))
                        if at is not None and (after is None or at > after):
                            found[ref].append((row, at.astimezone(UTC), key))
            authors = {str(row["CreatedById"]) for rows in found.values() for row, _at, _k in rows}
            machines = self._not_people(authors - {self.integration_user_id})
            for ref, rows in found.items():
                changes = [
                    FieldChange(key, None if row.get("NewValue") is None else str(row["NewValue"]), at)
                    for row, at, key in rows
                    if self._writer_of(row) == WrittenBy.USER and str(row["CreatedById"]) not in machines
                ]
                if changes:
                    out[ref] = sorted(changes, key=lambda c: c.at)
        return out

    def _not_people(self, user_ids: set[str]) -> set[str]:
        """Of these users, the ones that are no person (``UserType`` ``AutomatedProcess``)."""
        ids = sorted(u for u in user_ids if ID.match(u))
        found: set[str] = set()
        for start in range(0, len(ids), ID_CHUNK):
            quoted = ",".join(f"'{i}'" for i in ids[start : start + ID_CHUNK])
            rows = self._query(f"SELECT Id, UserType FROM User WHERE Id IN ({quoted})", "history authors")
            found |= {str(r["Id"]) for r in rows if r.get("UserType") in NOT_PEOPLE}
        return found

    def _as_read(self, key: str, value: Any) -> str | None:
        """A history value as a read shows it: an owner that is a queue or the integration user is
        nobody yet (None), so the guard compares like with like."""
        if value is None:
            return None
        text = str(value)
        if key == OWNER_FIELD and (text.startswith("00G") or text == self.integration_user_id):
            return None
        return text

    def replaced_values(self, written: Sequence[FieldUpdate]) -> dict[tuple[RecordRef, str], FieldState]:
        """What each of leadq's writes replaced, from field history (tracked fields only): the
        OldValue of leadq's own history row, when that row is the newest for the field."""
        ours: dict[RecordRef, set[str]] = defaultdict(set)
        for update in written:
            ours[update.ref].add(update.key)
        out: dict[tuple[RecordRef, str], FieldState] = {}
        by_object: dict[ObjectType, list[RecordRef]] = defaultdict(list)
        for ref in ours:
            by_object[ref.object_type].append(ref)
        for obj, group in by_object.items():
            if obj not in HISTORY:
                continue
            names = {api_name(k): k for ref in group for k in ours[ref]}
            rows_by = self._history_rows(obj, [r.record_id for r in group], list(names))
            for ref in group:
                for name, key in names.items():
                    if key not in ours[ref]:
                        continue
                    rows = rows_by.get((ref.record_id, name)) or []
                    if not rows or rows[0]["CreatedById"] != self.integration_user_id:
                        continue  # untracked, unchanged, or someone wrote after leadq: theirs stands
                    old = rows[0].get("OldValue")
                    before = rows[1] if len(rows) > 1 and rows[1].get("NewValue") == old else None
                    out[(ref, key)] = FieldState(
                        self._as_read(key, old),
                        self._writer_of(before),
                        before["CreatedDate"] if before else None,
                    )
        return out

    # Writing ---------------------------------------------------------------------------------

    def write(self, updates: Sequence[FieldUpdate]) -> WriteReport:
        """sObject Collections at 200 records per call; per-record failures are reported."""
        return write_updates(self.calls, self.specs, updates)

    def ensure_fields(self, specs: Sequence[FieldSpec]) -> ProvisionReport:
        return ensure_fields(self.calls, specs, self.integration_user_id)

    # Owners and outcomes ----------------------------------------------------------------------

    def owners(self) -> list[Owner]:
        return list_owners(self.calls, self.integration_user_id)

    def outcomes(self) -> list[Outcome]:
        """Won/lost opportunities, as outcomes of the lead they were converted from, or else of their
        contacts (through OpportunityContactRole) when no converted lead points at them."""
        return opportunity_outcomes(self.calls, self.org_id)
