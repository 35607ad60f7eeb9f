"""A field leadq wrote, as the CRM's users know it: its label ("leadq verdict", "Owner"), and the value
as the CRM shows it ("Nurture", an owner's name), never the stored key or option value alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from connector.fields import LEADQ_FIELDS
from connector.hubspot.leads_mapping import LABEL as LABEL_FIELD
from connector.registry import provider
from core.records import CrmKind, ObjectType
from leadq.web.object_names import singular

_SPECS = {spec.key: spec for spec in LEADQ_FIELDS}
OWNER_FIELDS = tuple(provider(kind).owner_field for kind in CrmKind)  # hubspot_owner_id, OwnerId
_SHARED = {**dict.fromkeys(OWNER_FIELDS, "Owner"), LABEL_FIELD: "Lead label"}


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


def scoped_label(key: str, crm_kind: str) -> str:
    """A preview's field ("account.leadq_tier") as "company: leadq tier"; a person's field by its label."""
    scope, dot, rest = key.partition(".")
    if dot and scope in {t.value for t in ObjectType}:
        return f"{singular(crm_kind, scope)}: {field_label(rest)}"
    return field_label(key)


ACTION_WORDS = {  # what the write policy decided for a field, as a preview says it
    "create": "would create",
    "fill": "would fill (empty now)",
    "change": "would change (a value leadq wrote before)",
    "same": "already right",
    "skip_human": "left alone (set by a person)",
    "skip_not_empty": "left alone (not empty)",
    "skip_never": "left alone (never written)",
}


def worded(actions: Mapping[str, int]) -> list[tuple[str, int]]:
    """A field's counts with the words a person reads, writes first."""
    order = list(ACTION_WORDS)
    ranked = sorted(actions.items(), key=lambda t: order.index(t[0]) if t[0] in order else 99)
    return [(ACTION_WORDS.get(action, action.replace("_", " ")), n) for action, n in ranked]
