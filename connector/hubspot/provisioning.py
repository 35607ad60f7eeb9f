"""leadq's property group and properties on contacts and companies: created once, never clobbered."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from hubspot.crm.properties import PropertyGroupCreate

from connector.base import FieldSpec, ProvisionReport
from connector.errors import CrmConflict
from connector.fields import GROUP, GROUP_LABEL

HUBSPOT_TYPES = {  # leadq kind -> (type, fieldType)
    "number": ("number", "number"),
    "percent": ("number", "number"),  # shown as a percentage: numberDisplayHint below
    "text": ("string", "text"),
    "multiline": ("string", "textarea"),
    "enum": ("enumeration", "select"),
    "datetime": ("datetime", "date"),
}
DISPLAY_HINT = {"percent": "percentage"}  # the stored value is the percentage itself: 90.43 shows 90.43%


def _options(spec: FieldSpec) -> list[dict[str, Any]]:
    return [
        {"label": spec.label_of(o), "value": o, "displayOrder": i, "hidden": False}
        for i, o in enumerate(spec.options)
    ]


def _properties(calls: Any, object_type: str) -> dict[str, dict[str, Any]]:
    """The object's properties as HubSpot returns them (the SDK's model drops numberDisplayHint)."""
    response = calls.call(
        lambda c, o=object_type: c.crm.properties.core_api.get_all(o, _preload_content=False),
        what="properties",
    )
    return {p["name"]: p for p in json.loads(response.data)["results"]}


def _changes(spec: FieldSpec, current: dict[str, Any]) -> dict[str, Any]:
    """What an existing leadq property lacks: option labels, the percentage display. Values stay."""
    update: dict[str, Any] = {}
    if spec.kind == "enum":
        have = {o.get("value"): o.get("label") for o in current.get("options") or []}
        if any(have.get(o) != spec.label_of(o) for o in spec.options):
            wanted = _options(spec)
            extra = [o for o in current.get("options") or [] if o.get("value") not in spec.options]
            update["options"] = wanted + extra  # options a person added are kept
    hint = DISPLAY_HINT.get(spec.kind)
    if hint and current.get("numberDisplayHint") != hint:
        update["numberDisplayHint"] = hint
    return update


LEADQ_OBJECT = {"contacts": "contact", "companies": "account", "leads": "pipeline_lead"}


def ensure_properties(calls: Any, specs: Sequence[FieldSpec], object_types: Sequence[str]) -> ProvisionReport:
    created: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    updated: list[str] = []
    details: dict[str, str] = {}
    for object_type in object_types:
        groups = calls.call(
            lambda c, o=object_type: c.crm.properties.groups_api.get_all(o), what="property groups"
        )
        if GROUP not in {g.name for g in groups.results}:
            with contextlib.suppress(CrmConflict):  # created meanwhile by another worker: fine
                calls.call(
                    lambda c, o=object_type: c.crm.properties.groups_api.create(
                        o, PropertyGroupCreate(name=GROUP, label=GROUP_LABEL, display_order=-1)
                    ),
                    what="create group",
                )
        existing = _properties(calls, object_type)
        for spec in specs:
            if not spec.on(LEADQ_OBJECT.get(object_type, object_type)):
                continue  # an account-only field is not created on contacts
            ptype, field_type = HUBSPOT_TYPES[spec.kind]
            label = f"{object_type}.{spec.key}"
            current = existing.get(spec.key)
            if current is not None:
                if current.get("type") != ptype:
                    conflicts.append(label)
                    details[label] = (
                        f"a property named {spec.key!r} already exists on {object_type} with type "
                        f"{current.get('type')!r} (leadq needs {ptype!r}); it was left untouched"
                    )
                elif ptype == "enumeration" and set(spec.options) - {
                    o.get("value") for o in (current.get("options") or [])
                }:
                    conflicts.append(label)
                    details[label] = (
                        f"{spec.key!r} on {object_type} lacks options leadq writes: left untouched"
                    )
                elif update := _changes(spec, current):
                    calls.call(
                        lambda c, o=object_type, n=spec.key, u=update: c.crm.properties.core_api.update(
                            o, n, u
                        ),
                        what=f"update property {spec.key}",
                    )
                    updated.append(label)
                    details[label] = "updated: " + ", ".join(sorted(update))
                else:
                    unchanged.append(label)
                continue
            create: dict[str, Any] = {
                "name": spec.key,
                "label": spec.label,
                "type": ptype,
                "fieldType": field_type,
                "groupName": GROUP,
                "description": spec.description or spec.label,
                "options": _options(spec),
            }
            if spec.kind in DISPLAY_HINT:
                create["numberDisplayHint"] = DISPLAY_HINT[spec.kind]
            try:
                calls.call(
                    lambda c, o=object_type, p=create: c.crm.properties.core_api.create(o, p),
                    what=f"create property {spec.key}",
                )
                created.append(label)
            except CrmConflict:
                unchanged.append(label)  # another worker created it first
    return ProvisionReport(tuple(created), tuple(unchanged), tuple(conflicts), details, tuple(updated))
