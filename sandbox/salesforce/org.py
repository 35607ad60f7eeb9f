"""One Salesforce org: records of every object, users, custom fields with field-level security,
field history, the daily API budget, and change listeners (outbound messages)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import Clock
from sandbox.salesforce.history import history_field, history_values
from sandbox.salesforce.ids import IdMaker
from sandbox.salesforce.schema import HISTORY_OBJECTS, STAGES, FieldDef, coerce, fmt_time, standard_objects

MANAGED_PREFIXES = ("pi__",)  # fields of installed packages: visible through the package's own permissions


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    fields: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}


ChangeListener = Callable[["Org", str, dict[str, Any], tuple[str, ...], str], None]


@dataclass
class Org:
    org_id: str
    ids: IdMaker
    clock: Clock
    my_domain: str = "sandbox-org"
    api_max: int = 100_000
    api_used: int = 0
    schema: dict[str, dict[str, FieldDef]] = field(default_factory=standard_objects)
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    admin_user_id: str = ""
    customizers: set[str] = field(default_factory=set)  # users with "Customize Application"
    custom_fields: dict[str, str] = field(default_factory=dict)  # CustomField Id -> "Lead.X__c"
    listeners: list[ChangeListener] = field(default_factory=list)
    # record id -> (sobject, fields, user): a user's edit that lands between the app's read and its
    # next write to that record (the read-modify-write race).
    edits_before_write: dict[str, tuple[str, dict[str, Any], str]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        for name in (*self.schema, *HISTORY_OBJECTS):
            self.records.setdefault(name, {})

    # Time ----------------------------------------------------------------------------------

    def stamp(self, at_ms: int | None = None) -> str:
        """Audit stamps have whole-second precision, so bulk changes share one SystemModstamp."""
        ms = self.clock.now_ms() if at_ms is None else at_ms
        return fmt_time(ms - ms % 1000)

    # Field-level security --------------------------------------------------------------------

    def _granted(self, user_id: str, sobject: str, name: str) -> tuple[bool, bool]:
        sets = {
            a["PermissionSetId"]
            for a in self.records["PermissionSetAssignment"].values()
            if a["AssigneeId"] == user_id
        }
        read = edit = False
        for fp in self.records["FieldPermissions"].values():
            if fp["ParentId"] in sets and fp["Field"] == f"{sobject}.{name}":
                read = read or bool(fp["PermissionsRead"])
                edit = edit or bool(fp["PermissionsEdit"])
        return read, edit

    def access(self, user_id: str, sobject: str, name: str) -> tuple[bool, bool]:
        """(readable, editable) for this user; new custom fields need a permission set grant."""
        definition = self.schema.get(sobject, {}).get(name)
        if definition is None:
            return False, False
        if not definition.custom or name.startswith(MANAGED_PREFIXES):
            return True, definition.updateable
        read, edit = self._granted(user_id, sobject, name)
        return read or edit, edit and definition.updateable

    def visible_fields(self, user_id: str, sobject: str) -> list[FieldDef]:
        return [f for f in self.schema.get(sobject, {}).values() if self.access(user_id, sobject, f.name)[0]]

    # Records ---------------------------------------------------------------------------------

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        record = self.records.get(sobject, {}).get(record_id)
        if record is None and len(record_id) == 15:
            record = next((r for i, r in self.records.get(sobject, {}).items() if i[:15] == record_id), None)
        return None if record is None or record.get("IsDeleted") else record

    def sobject_of(self, record_id: str) -> str | None:
        for name, rows in self.records.items():
            if record_id in rows:
                return name
        return None

    def _owner_problem(self, sobject: str, owner_id: str) -> tuple[str, str] | None:
        """Salesforce refuses a record owned by a user who does not exist or is deactivated (queues,
        ``00G``, are Groups and pass)."""
        if not owner_id.startswith("005"):
            return None
        user = self.get("User", owner_id)
        if user is None:
            return "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"
        if not user.get("IsActive"):
            return (
                "INACTIVE_OWNER_OR_USER",
                f"operation performed with inactive user [{owner_id}] as owner of {sobject.lower()}",
            )
        return None

    def check(
        self, sobject: str, values: dict[str, Any], user_id: str, creating: bool
    ) -> tuple[dict[str, Any], list[Problem]]:
        clean: dict[str, Any] = {}
        problems: list[Problem] = []
        definitions = self.schema[sobject]
        for name, value in values.items():
            if name in ("attributes", "id", "Id"):
                continue
            definition = definitions.get(name)
            readable, editable = self.access(user_id, sobject, name) if definition else (False, False)
            if definition is None or not readable:
                problems.append(
                    Problem("INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}", (name,))
                )
                continue
            if not editable:
                problems.append(
                    Problem(
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to create/update fields: {name}. Please check the security settings of this "
                        "field and verify that it is read/write for your profile or permission set.",
                        (name,),
                    )
                )
                continue
            stored, problem = coerce(definition, value)
            if not problem and name == "OwnerId" and stored:
                problem = self._owner_problem(sobject, str(stored))
            if problem:
                problems.append(Problem(problem[0], problem[1], (name,)))
            else:
                clean[name] = stored
        if creating:
            for definition in definitions.values():
                if not definition.nillable and definition.updateable and definition.name not in clean:
                    if definition.name in ("OwnerId",):
                        continue
                    problems.append(
                        Problem(
                            "REQUIRED_FIELD_MISSING",
                            f"Required fields are missing: [{definition.name}]",
                            (definition.name,),
                        )
                    )
        return clean, problems

    def create(
        self,
        sobject: str,
        values: dict[str, Any],
        user_id: str,
        at_ms: int | None = None,
        notify: bool = True,
        trusted: bool = False,
    ) -> tuple[dict[str, Any] | None, list[Problem]]:
        with self.lock:
            if trusted:
                clean = {
                    k: coerce(self.schema[sobject][k], v)[0] if k in self.schema[sobject] else v
                    for k, v in values.items()
                }
                problems: list[Problem] = []
            else:
                clean, problems = self.check(sobject, values, user_id, creating=True)
            if problems:
                return None, problems
            stamp = self.stamp(at_ms)
            record = dict.fromkeys(self.schema[sobject])
            record.update(clean)
            record_id = self.ids.new(sobject)
            record.update(
                Id=record_id,
                IsDeleted=False,
                CreatedDate=stamp,
                CreatedById=user_id,
                LastModifiedDate=stamp,
                LastModifiedById=user_id,
                SystemModstamp=stamp,
            )
            if "OwnerId" in record and not record.get("OwnerId"):
                record["OwnerId"] = user_id
            self._derive(sobject, record)
            self.records[sobject][record_id] = record
        if notify:
            self._notify(sobject, record, tuple(clean), user_id)
        return record, []

    def land_edits_before_write(self, record_ids: list[str]) -> None:
        """Apply the edits a test queued to land between the app's read and its write."""
        for record_id in record_ids:
            queued = self.edits_before_write.pop(record_id, None)
            if queued is not None:
                self.update(queued[0], record_id, queued[1], queued[2], trusted=True)

    def update(
        self,
        sobject: str,
        record_id: str,
        values: dict[str, Any],
        user_id: str,
        at_ms: int | None = None,
        notify: bool = True,
        trusted: bool = False,
    ) -> tuple[list[str], list[Problem]]:
        with self.lock:
            record = self.get(sobject, record_id)
            if record is None:
                return [], [
                    Problem(
                        "ENTITY_IS_DELETED"
                        if record_id in self.records.get(sobject, {})
                        else "INVALID_CROSS_REFERENCE_KEY",
                        "invalid cross reference id",
                    )
                ]
            if sobject == "Lead" and record.get("IsConverted"):
                return [], [Problem("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")]
            if trusted:
                clean = {
                    k: coerce(self.schema[sobject][k], v)[0]
                    for k, v in values.items()
                    if k in self.schema[sobject]
                }
                problems: list[Problem] = []
            else:
                clean, problems = self.check(sobject, values, user_id, creating=False)
            if problems:
                return [], problems
            changed = [k for k, v in clean.items() if record.get(k) != v]
            stamp = self.stamp(at_ms)
            for name in changed:
                definition = self.schema[sobject][name]
                if definition.track_history:
                    self._history(sobject, record["Id"], name, record.get(name), clean[name], user_id, stamp)
            record.update(clean)
            # Salesforce bumps the audit fields on every successful save, even when no value changed.
            record.update(LastModifiedDate=stamp, LastModifiedById=user_id, SystemModstamp=stamp)
            self._derive(sobject, record)
            snapshot = dict(record)
        if notify:
            self._notify(sobject, snapshot, tuple(changed), user_id)
        return changed, []

    def _derive(self, sobject: str, record: dict[str, Any]) -> None:
        if sobject == "Opportunity" and record.get("StageName") in STAGES:
            closed, won, probability = STAGES[record["StageName"]]
            record.update(IsClosed=closed, IsWon=won)
            if record.get("Probability") is None:
                record["Probability"] = probability
        if "Name" in record and sobject in ("Lead", "Contact", "User"):
            record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
        if sobject == "Lead" and record.get("IsConverted") is None:
            record["IsConverted"] = False

    def _history(
        self, sobject: str, record_id: str, name: str, old: Any, new: Any, user_id: str, stamp: str
    ) -> None:
        """The history rows Salesforce adds for one change of a tracked field (see history.py)."""
        definition = self.schema[sobject][name]
        for history, (parent, key) in HISTORY_OBJECTS.items():
            if parent != sobject:
                continue
            for old_value, new_value, data_type in history_values(definition, old, new, self._name_of):
                hid = self.ids.new(history)
                self.records[history][hid] = {
                    "Id": hid,
                    key: record_id,
                    "Field": history_field(definition),
                    "OldValue": old_value,
                    "NewValue": new_value,
                    "DataType": data_type,
                    "CreatedById": user_id,
                    "CreatedDate": stamp,
                    "IsDeleted": False,
                }

    def _name_of(self, record_id: Any) -> str | None:
        """What the UI shows for a referenced record: its Name (a user's full name)."""
        if not record_id:
            return None
        sobject = self.sobject_of(str(record_id))
        record = self.records[sobject][str(record_id)] if sobject else None
        return str(record.get("Name") or record_id) if record else str(record_id)

    def _notify(self, sobject: str, record: dict[str, Any], changed: tuple[str, ...], user_id: str) -> None:
        for listener in list(self.listeners):
            listener(self, sobject, copy.copy(record), changed, user_id)

    def live(self, sobject: str) -> list[dict[str, Any]]:
        return [r for r in self.records.get(sobject, {}).values() if not r.get("IsDeleted")]

    # Custom fields (Tooling API) ---------------------------------------------------------------

    def add_custom_field(self, full_name: str, metadata: dict[str, Any]) -> tuple[str | None, Problem | None]:
        sobject, _, name = full_name.partition(".")
        if sobject not in self.schema or not name.endswith("__c") or not name[:-3].replace("_", "").isalnum():
            return None, Problem("INVALID_FIELD", f"Invalid field name: {full_name}")
        if name in self.schema[sobject]:
            return None, Problem("DUPLICATE_DEVELOPER_NAME", f"This field name is already in use: {name}")
        definition, problem = _field_def(full_name, name, metadata)
        if problem or definition is None:
            return None, problem
        self.schema[sobject][name] = definition
        field_id = self.ids.new("CustomField")
        self.custom_fields[field_id] = full_name
        return field_id, None

    def update_custom_field(self, field_id: str, metadata: dict[str, Any]) -> Problem | None:
        """Tooling API update of a custom field's metadata: labels, picklist values, a number's type.
        Values already stored are kept (a Number changed to a Percent keeps its numbers)."""
        full_name = self.custom_fields.get(field_id)
        if full_name is None:
            return Problem("NOT_FOUND", "The requested resource does not exist")
        sobject, _, name = full_name.partition(".")
        current = self.schema[sobject][name]
        definition, problem = _field_def(full_name, name, metadata)
        if problem or definition is None:
            return problem
        numbers = {"double", "percent", "currency"}
        if definition.type != current.type and not {definition.type, current.type} <= numbers:
            return Problem(
                "FIELD_INTEGRITY_EXCEPTION",
                f"Cannot change the type of {full_name} from {current.type} to {definition.type}",
            )
        definition.track_history = definition.track_history or current.track_history
        self.schema[sobject][name] = definition
        return None

    def custom_field_id(self, sobject: str, developer_name: str) -> str | None:
        for field_id, full_name in self.custom_fields.items():
            if full_name == f"{sobject}.{developer_name}__c":
                return field_id
        return None


def _field_def(full_name: str, name: str, metadata: dict[str, Any]) -> tuple[FieldDef | None, Problem | None]:
    """A custom field's definition from Tooling API metadata, or the problem Salesforce reports."""
    kind = str(metadata.get("type") or "")
    types = {
        "Number": "double",
        "Text": "string",
        "LongTextArea": "textarea",
        "Picklist": "picklist",
        "DateTime": "datetime",
        "Date": "date",
        "Checkbox": "boolean",
        "Percent": "percent",
    }
    if kind not in types or not metadata.get("label"):
        return None, Problem(
            "FIELD_INTEGRITY_EXCEPTION", f"Invalid type or missing label for {full_name}: {kind!r}"
        )
    values: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    restricted = False
    if kind == "Picklist":
        value_set = metadata.get("valueSet") or {}
        definition = value_set.get("valueSetDefinition") or {}
        entries = definition.get("value") or []
        values = tuple(str(v.get("fullName") or v.get("label")) for v in entries)
        labels = tuple(str(v.get("label") or v.get("fullName")) for v in entries)
        restricted = bool(value_set.get("restricted"))
        if not values:
            return None, Problem("FIELD_INTEGRITY_EXCEPTION", f"Picklist {full_name} needs values")
    length = int(metadata.get("length") or (32768 if kind == "LongTextArea" else 0))
    if kind == "Text" and not 1 <= length <= 255:
        return None, Problem("FIELD_INTEGRITY_EXCEPTION", "Text length must be between 1 and 255")
    return FieldDef(
        name,
        types[kind],
        label=str(metadata["label"]),
        length=length,
        precision=int(metadata.get("precision") or (18 if kind in ("Number", "Percent") else 0)),
        scale=int(metadata.get("scale") or 0),
        custom=True,
        values=values,
        labels=labels,
        restricted=restricted,
        track_history=bool(metadata.get("trackHistory")),
        description=str(metadata.get("inlineHelpText") or ""),
    ), None
