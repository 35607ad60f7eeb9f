"""A field leadq wrote, as the CRM's users know it: its label ("leadq verdict", "Owner"), and the value
as the CRM shows it ("Nurture", an owner's name), never the stored key or option value alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from connector.fields import LEADQ_FIELDS

_SPECS = {spec.key: spec for spec in LEADQ_FIELDS}
OWNER_FIELDS = ("hubspot_owner_id", "OwnerId")
_SHARED = {"hubspot_owner_id": "Owner", "OwnerId": "Owner", "hs_lead_label": "Lead label"}


def field_label(key: str) -> str:
    """The field's label in the CRM (its key where leadq has none)."""
    spec = _SPECS.get(key)
    return spec.label if spec is not None else _SHARED.get(key, key)


def value_words(key: str, value: str, owner_names: Mapping[str, str]) -> str:
    """A written value as the CRM shows it: an option's label, an owner's name (with the id)."""
    spec = _SPECS.get(key)
    if spec is not None and spec.option_labels and value in spec.options:
        return spec.option_labels[spec.options.index(value)]
    if key in OWNER_FIELDS and owner_names.get(value):
        return f"{owner_names[value]} ({value})"
    if spec is not None and spec.kind == "datetime":
        try:
            return datetime.fromisoformat(value).astimezone(UTC).strftime("%d %b %Y, %H:%M:%S UTC")
        except ValueError:
            return value
    return value
