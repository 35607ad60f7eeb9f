"""Field history rows as Salesforce writes them (LeadHistory, ContactHistory, AccountHistory).

* ``Field`` is the field's name as history records it: a standard lookup is named by its
  relationship (``OwnerId`` -> ``Owner``, ``AccountId`` -> ``Account``); every other field by its
  API name, custom fields with their ``__c`` suffix.
* A change of a lookup adds two rows with the same date and author: one whose values are the ids
  (``DataType`` ``EntityId``, returned only through the API) and one whose values are the records'
  names as the UI shows them (``DataType`` ``Text``).
* Long text areas and multi-select picklists are recorded as changed, without their values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.salesforce.schema import FieldDef

DATA_TYPES = {
    "string": "Text",
    "email": "Email",
    "phone": "Phone",
    "url": "Url",
    "picklist": "DynamicEnum",
    "multipicklist": "MultiEnum",
    "boolean": "Boolean",
    "double": "Double",
    "int": "Double",
    "currency": "Currency",
    "percent": "Percent",
    "date": "DateOnly",
    "datetime": "DateTime",
    "textarea": "TextArea",
    "reference": "EntityId",
}
LONG_TEXT = 255  # a text area longer than this is a long text area: values not kept


def history_field(definition: FieldDef) -> str:
    """The ``Field`` value of a history row for this field."""
    name = definition.name
    if definition.type == "reference" and not definition.custom and name.endswith("Id") and len(name) > 2:
        return name[:-2]
    return name


def history_values(
    definition: FieldDef, old: Any, new: Any, name_of: Callable[[Any], str | None]
) -> list[tuple[Any, Any, str]]:
    """(OldValue, NewValue, DataType) of each row one change adds, in the order they are written."""
    data_type = DATA_TYPES.get(definition.type, "Text")
    if definition.type == "reference":
        return [(old, new, data_type), (name_of(old), name_of(new), "Text")]
    long_text = definition.type == "textarea" and definition.length > LONG_TEXT
    if definition.type == "multipicklist" or long_text:
        return [(None, None, data_type)]
    return [(old, new, data_type)]
