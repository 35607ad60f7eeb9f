"""One HubSpot account (portal): its records, property definitions, owners and associations.

All values are strings, as in HubSpot. Every change records a history entry with
its source (a rep in the UI, an import, an integration...) and notifies the
change listeners, which is how webhooks learn about it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.clock import Clock
from sandbox.hubspot import schema

# Association type ids HubSpot defines (primary, unlabeled) per direction.
ASSOC_TYPES: dict[tuple[str, str], tuple[int, int]] = {
    ("contacts", "companies"): (1, 279),
    ("companies", "contacts"): (2, 280),
    ("deals", "contacts"): (3, 3),
    ("contacts", "deals"): (4, 4),
    ("deals", "companies"): (5, 341),
    ("companies", "deals"): (6, 342),
    # Leads (docs/sandbox.md, Leads): 578/608 lead->contact, 580/610 lead->company, 609/611 back.
    ("leads", "contacts"): (578, 608),
    ("contacts", "leads"): (579, 609),
    ("leads", "companies"): (580, 610),
    ("companies", "leads"): (581, 611),
}


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_datetime_ms(value: str) -> int | None:
    """HubSpot accepts epoch milliseconds or ISO 8601 for date/datetime values."""
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Source:
    """Who made a change, as HubSpot reports it in property history and webhooks."""

    source_type: str  # CRM_UI, INTEGRATION, IMPORT, API, FORM, ...
    source_id: str = ""
    user_id: int | None = None
    label: str | None = None


@dataclass
class Record:
    id: str
    props: dict[str, str]
    history: dict[str, list[dict[str, Any]]]
    created_ms: int
    updated_ms: int
    archived: bool = False


@dataclass(frozen=True, slots=True)
class ValueProblem:
    name: str
    error: str  # PROPERTY_DOESNT_EXIST, INVALID_INTEGER, INVALID_OPTION, ...
    message: str


ChangeListener = Callable[["Portal", str, str, str, list[tuple[str, str | None, str]], Source], None]


@dataclass
class Portal:
    portal_id: int
    domain: str
    clock: Clock
    objects: dict[str, dict[str, Record]] = field(default_factory=dict)
    properties: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    owners: list[dict[str, Any]] = field(default_factory=list)
    # (from_type, from_id, to_type) -> {to_id: set(type ids)}
    associations: dict[tuple[str, str, str], dict[str, set[int]]] = field(default_factory=dict)
    listeners: list[ChangeListener] = field(default_factory=list)
    # (object_type, record id) -> (properties, source): a rep's edit that lands just before the
    # app's next write to that record, after the app has read it (the read-modify-write race).
    edits_before_write: dict[tuple[str, str], tuple[dict[str, str], Source]] = field(default_factory=dict)
    next_id: int = 1000
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        created = iso_ms(self.clock.now_ms())
        for object_type in schema.OBJECT_TYPES:
            self.objects.setdefault(object_type, {})
            self.properties.setdefault(object_type, schema.default_properties(object_type, created))
            self.groups.setdefault(object_type, schema.default_groups(object_type))

    # Records -------------------------------------------------------------------------

    def new_id(self) -> str:
        with self.lock:
            self.next_id += 1
            return str(self.next_id)

    def create(
        self,
        object_type: str,
        props: dict[str, str],
        source: Source,
        *,
        created_ms: int | None = None,
        record_id: str | None = None,
        notify: bool = True,
    ) -> Record:
        with self.lock:
            now = self.clock.now_ms()
            created = created_ms if created_ms is not None else now
            rid = record_id or self.new_id()
            record = Record(id=rid, props={}, history={}, created_ms=created, updated_ms=created)
            record.props["hs_object_id"] = rid
            record.props[schema.CREATED_PROP[object_type]] = iso_ms(created)
            self.objects[object_type][rid] = record
            if object_type == "leads":  # a lead without a stage lands in the pipeline's first stage
                props = {
                    "hs_pipeline": schema.LEAD_PIPELINE_ID,
                    "hs_pipeline_stage": schema.LEAD_STAGES[0][0],
                } | {k: v for k, v in props.items() if v}
            changes = self._apply(object_type, record, props, source, at_ms=created)
            changes += self._derive(object_type, record, created)
            self._touch(object_type, record, created)
            if notify:
                self._notify(object_type, rid, "creation", changes, source)
            return record

    def update(
        self,
        object_type: str,
        record_id: str,
        props: dict[str, str],
        source: Source,
        *,
        at_ms: int | None = None,
        notify: bool = True,
    ) -> list[tuple[str, str | None, str]]:
        """Apply values (already validated); returns the (name, old, new) that changed."""
        with self.lock:
            record = self.objects[object_type][record_id]
            when = at_ms if at_ms is not None else self.clock.now_ms()
            changes = self._apply(object_type, record, props, source, at_ms=when)
            if changes:
                changes += self._derive(object_type, record, when)
                self._touch(object_type, record, when)
                if notify:
                    self._notify(object_type, record_id, "propertyChange", changes, source)
            return changes

    def _apply(
        self, object_type: str, record: Record, props: dict[str, str], source: Source, at_ms: int
    ) -> list[tuple[str, str | None, str]]:
        changes = []
        for name, value in props.items():
            value = self.normalise(object_type, name, value)
            old = record.props.get(name)
            if (old or "") == value:
                continue  # HubSpot records no change (and fires no event) for an equal value
            if value == "":
                record.props.pop(name, None)
            else:
                record.props[name] = value
            entry = {
                "value": value,
                "timestamp": iso_ms(at_ms),
                "sourceType": source.source_type,
                "sourceId": source.source_id,
            }
            if source.label:
                entry["sourceLabel"] = source.label
            if source.user_id is not None:
                entry["updatedByUserId"] = source.user_id
            entries = record.history.setdefault(name, [])
            # HubSpot lists a property's history newest first by timestamp, whatever order the
            # sandbox was given the changes in (a seed or a test may backdate one).
            newer = sum(1 for e in entries if e["timestamp"] > entry["timestamp"])
            entries.insert(newer, entry)
            changes.append((name, old, value))
        return changes

    def _derive(self, object_type: str, record: Record, at_ms: int) -> list[tuple[str, str | None, str]]:
        """HubSpot's calculated lead properties: open/qualified flags, last stage change, links."""
        if object_type != "leads":
            return []
        stage = record.props.get("hs_pipeline_stage", "")
        state = next((s[2] for s in schema.LEAD_STAGES if s[0] == stage), "OPEN")
        derived = {
            "hs_lead_is_open": str(state == "OPEN").lower(),
            "hs_lead_is_qualified": str(state == "QUALIFIED").lower(),
            "hs_lead_is_disqualified": str(state == "DISQUALIFIED").lower(),
        }
        stage_history = record.history.get("hs_pipeline_stage") or [{}]
        if stage_history[0].get("timestamp"):
            derived["hs_pipeline_stage_last_updated"] = stage_history[0]["timestamp"]
        derived |= self._link_props(record.id)
        return self._apply(object_type, record, derived, Source("CALCULATED"), at_ms=at_ms)

    def _link_props(self, lead_id: str) -> dict[str, str]:
        """The lead's primary contact and company and the values HubSpot copies from them."""
        linked: dict[str, str] = {}
        for to_type, primary, names in (
            ("contacts", 578, (("email", "email"), ("firstname", "firstname"), ("lastname", "lastname"))),
            ("companies", 580, (("name", "name"),)),
        ):
            ids = self.associations.get(("leads", lead_id, to_type), {})
            chosen = next((i for i, t in sorted(ids.items()) if primary in t), next(iter(sorted(ids)), ""))
            other = self.objects[to_type].get(chosen) if chosen else None
            prefix = "hs_associated_contact_" if to_type == "contacts" else "hs_associated_company_"
            linked["hs_primary_contact_id" if to_type == "contacts" else "hs_primary_company_id"] = chosen
            for target, source_name in names:
                linked[prefix + target] = (other.props.get(source_name) or "") if other else ""
        return linked

    def refresh_lead(self, lead_id: str, at_ms: int | None = None, notify: bool = True) -> None:
        """Recompute a lead's calculated properties (after its associations changed)."""
        with self.lock:
            record = self.objects["leads"].get(lead_id)
            if record is None:
                return
            when = at_ms if at_ms is not None else self.clock.now_ms()
            changes = self._derive("leads", record, when)
            if changes:
                self._touch("leads", record, when)
                if notify:
                    self._notify("leads", lead_id, "propertyChange", changes, Source("CALCULATED"))

    def land_edits_before_write(self, object_type: str, record_ids: list[str]) -> None:
        """Apply the edits a test queued to land between the app's read and its write."""
        for record_id in record_ids:
            queued = self.edits_before_write.pop((object_type, record_id), None)
            if queued is not None:
                self.update(object_type, record_id, queued[0], queued[1])

    def _touch(self, object_type: str, record: Record, at_ms: int) -> None:
        record.updated_ms = max(record.updated_ms, at_ms)
        record.props[schema.MODIFIED_PROP[object_type]] = iso_ms(record.updated_ms)

    def _notify(
        self,
        object_type: str,
        record_id: str,
        kind: str,
        changes: list[tuple[str, str | None, str]],
        source: Source,
    ) -> None:
        for listener in list(self.listeners):
            listener(self, object_type, record_id, kind, changes, source)

    def archive(self, object_type: str, record_id: str, source: Source) -> None:
        with self.lock:
            record = self.objects[object_type][record_id]
            record.archived = True
            self._notify(object_type, record_id, "deletion", [], source)

    def live(self, object_type: str, archived: bool = False) -> list[Record]:
        with self.lock:
            return [r for r in self.objects[object_type].values() if r.archived == archived]

    def get(self, object_type: str, record_id: str, archived: bool = False) -> Record | None:
        record = self.objects[object_type].get(str(record_id))
        if record is None or record.archived != archived:
            return None
        return record

    # Values ---------------------------------------------------------------------------

    def normalise(self, object_type: str, name: str, value: str) -> str:
        prop = self.properties[object_type].get(name)
        if prop and prop["type"] in ("datetime", "date") and value:
            ms = parse_datetime_ms(value)
            if ms is not None:
                if prop["type"] == "date":
                    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
                return iso_ms(ms)
        return value

    def validate(
        self, object_type: str, props: dict[str, Any], *, allow_read_only: bool = False
    ) -> list[ValueProblem]:
        """Check values the way HubSpot does before a write; empty list means valid."""
        problems = []
        defs = self.properties[object_type]
        for name, value in props.items():
            prop = defs.get(name)
            if prop is None or prop.get("archived"):
                problems.append(
                    ValueProblem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
                )
                continue
            if value is None:
                value = ""
            if not isinstance(value, str):
                value = json.dumps(value) if isinstance(value, dict | list) else str(value)
            if not allow_read_only and prop["modificationMetadata"]["readOnlyValue"]:
                problems.append(
                    ValueProblem(
                        name, "READ_ONLY_VALUE", f'"{name}" is a read only property; its value cannot be set.'
                    )
                )
                continue
            if value == "":
                continue
            problem = self._check_value(prop, value)
            if problem:
                problems.append(ValueProblem(name, *problem))
        return problems

    def _check_value(self, prop: dict[str, Any], value: str) -> tuple[str, str] | None:
        ptype = prop["type"]
        if ptype == "number":
            try:
                float(value)
            except ValueError:
                return "INVALID_INTEGER", f"{value} was not a valid number."
        elif ptype in ("date", "datetime"):
            if parse_datetime_ms(value) is None:
                return "INVALID_DATE", f"{value} was not a valid date."
        elif ptype == "bool":
            if value.lower() not in ("true", "false"):
                return "INVALID_BOOLEAN", f"{value} was not a valid boolean."
        elif ptype == "enumeration":
            if prop["name"] == "hubspot_owner_id":
                if not any(str(o["id"]) == value and not o["archived"] for o in self.owners):
                    return "INVALID_OWNER_ID", f"{value} is not a valid owner id"
                return None
            allowed = [o["value"] for o in prop.get("options", [])]
            for part in value.split(";"):
                if part not in allowed:
                    return (
                        "INVALID_OPTION",
                        f"{part} was not one of the allowed options: [{', '.join(allowed)}]",
                    )
        return None

    # Associations ---------------------------------------------------------------------

    def associate(
        self, from_type: str, from_id: str, to_type: str, to_id: str, type_ids: Iterable[int] | None = None
    ) -> None:
        with self.lock:
            primary, unlabeled = ASSOC_TYPES.get((from_type, to_type), (0, 0))
            forward = set(type_ids) if type_ids is not None else {unlabeled}
            self.associations.setdefault((from_type, from_id, to_type), {}).setdefault(to_id, set()).update(
                forward
            )
            back_primary, back_unlabeled = ASSOC_TYPES.get((to_type, from_type), (0, 0))
            backward = {back_unlabeled} | ({back_primary} if primary in forward else set())
            self.associations.setdefault((to_type, to_id, from_type), {}).setdefault(from_id, set()).update(
                backward
            )

    def dissociate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        with self.lock:
            self.associations.get((from_type, from_id, to_type), {}).pop(to_id, None)
            self.associations.get((to_type, to_id, from_type), {}).pop(from_id, None)

    def associated(self, from_type: str, from_id: str, to_type: str) -> dict[str, set[int]]:
        return dict(self.associations.get((from_type, from_id, to_type), {}))
