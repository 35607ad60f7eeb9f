"""leadq's property group and properties on contacts and companies: created once, never clobbered."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from hubspot.crm.properties import Option, PropertyCreate, PropertyGroupCreate

from connector.base import FieldSpec, ProvisionReport
from connector.errors import CrmConflict
from connector.fields import GROUP, GROUP_LABEL

HUBSPOT_TYPES = {  # leadq kind -> (type, fieldType)
    "number": ("number", "number"),
    "text": ("string", "text"),
    "multiline": ("string", "textarea"),
    "enum": ("enumeration", "select"),
    "datetime": ("datetime", "date"),
}


LEADQ_OBJECT = {"contacts": "contact", "companies": "account"}


def ensure_properties(calls: Any, specs: Sequence[FieldSpec], object_types: Sequence[str]) -> ProvisionReport:
    created, unchanged, conflicts, details = [], [], [], {}
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
        existing = {
            p.name: p
            for p in calls.call(
                lambda c, o=object_type: c.crm.properties.core_api.get_all(o), what="properties"
            ).results
        }
        for spec in specs:
            if not spec.on(LEADQ_OBJECT.get(object_type, object_type)):
                continue  # an account-only field is not created on contacts
            ptype, field_type = HUBSPOT_TYPES[spec.kind]
            label = f"{object_type}.{spec.key}"
            current = existing.get(spec.key)
            if current is not None:
                if current.type != ptype:
                    conflicts.append(label)
                    details[label] = (
                        f"a property named {spec.key!r} already exists on {object_type} with type "
                        f"{current.type!r} (leadq needs {ptype!r}); it was left untouched"
                    )
                elif ptype == "enumeration" and set(spec.options) - {
                    o.value for o in (current.options or [])
                }:
                    conflicts.append(label)
                    details[label] = (
                        f"{spec.key!r} on {object_type} lacks options leadq writes: left untouched"
                    )
                else:
                    unchanged.append(label)
                continue
            create = PropertyCreate(
                name=spec.key,
                label=spec.label,
                type=ptype,
                field_type=field_type,
                group_name=GROUP,
                description=spec.description or spec.label,
                options=[
                    Option(label=o, value=o, display_order=i, hidden=False)
                    for i, o in enumerate(spec.options)
                ],
            )
            try:
                calls.call(
                    lambda c, o=object_type, p=create: c.crm.properties.core_api.create(o, p),
                    what=f"create property {spec.key}",
                )
                created.append(label)
            except CrmConflict:
                unchanged.append(label)  # another worker created it first
    return ProvisionReport(tuple(created), tuple(unchanged), tuple(conflicts), details)
