"""Reading Salesforce field history (LeadHistory, ContactHistory, AccountHistory) as real orgs write it.

History names a standard lookup by its relationship, not by its API name: an owner change is
recorded under ``Field = 'Owner'``, never ``'OwnerId'``. A lookup change adds two rows: one with
the ids (``DataType = 'EntityId'``) and one with the names the UI shows (``DataType = 'Text'``).
leadq compares ids, so it keeps the id row and ignores the name row. Custom fields are recorded
under their ``__c`` API name; other standard fields under their API name.
"""

from __future__ import annotations

import re
from typing import Any

from core.records import ObjectType

HISTORY = {
    ObjectType.LEAD: ("LeadHistory", "LeadId"),
    ObjectType.CONTACT: ("ContactHistory", "ContactId"),
    ObjectType.ACCOUNT: ("AccountHistory", "AccountId"),
}
ID_TYPE = "EntityId"
SF_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def is_lookup(api_field: str) -> bool:
    """A standard lookup (``OwnerId``, ``AccountId``): recorded in history under its relationship name."""
    return not api_field.endswith("__c") and api_field.endswith("Id") and len(api_field) > 2


def history_name(api_field: str) -> str:
    """The ``Field`` value history rows carry for a field: ``OwnerId`` -> ``Owner``."""
    return api_field[:-2] if is_lookup(api_field) else api_field


def is_id_row(row: dict[str, Any]) -> bool:
    """For a lookup's history: the row whose values are ids, not names.

    ``DataType`` tells them apart; a row without it counts as the id row only if its values are ids.
    """
    data_type = row.get("DataType")
    if data_type is not None:
        return bool(data_type == ID_TYPE)
    values = [v for v in (row.get("OldValue"), row.get("NewValue")) if v is not None]
    return bool(values) and all(SF_ID.match(str(v)) for v in values)
