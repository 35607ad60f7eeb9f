"""Associations in a create request (``associations: [{to: {id}, types: [...]}]``) and the
Leads object's rules for a new record: a name, and an association to an existing contact.

HubSpot infers the target object from the association type id, so each HUBSPOT_DEFINED id is
looked up per direction; an id that does not start at the created object's type is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response

from sandbox.hubspot import errors, schema
from sandbox.hubspot.store import ASSOC_TYPES, Portal, ValueProblem

# (from type, type id) -> to type, for every HUBSPOT_DEFINED association type the sandbox knows.
TYPE_TARGETS = {(pair[0], type_id): pair[1] for pair, type_ids in ASSOC_TYPES.items() for type_id in type_ids}
LEAD_NEEDS_CONTACT = (
    "A lead must be associated with an existing contact: include an association to a contact "
    "(associationTypeId 578, lead to primary contact) in the request that creates it."
)


@dataclass(frozen=True, slots=True)
class Link:
    to_type: str
    to_id: str
    type_ids: frozenset[int]


def parse_links(portal: Portal, object_type: str, raw: Any) -> list[Link] | Response:
    """The create body's associations, checked as HubSpot checks them; a 400 if one is wrong."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        return errors.validation("associations must be a list of {to, types} objects")
    links: list[Link] = []
    for index, item in enumerate(raw):
        target = item.get("to") if isinstance(item, dict) else None
        types = item.get("types") if isinstance(item, dict) else None
        if (
            not isinstance(target, dict)
            or not str(target.get("id", "")).strip()
            or not isinstance(types, list)
        ):
            return errors.validation(f"associations[{index}] needs to.id and a types list")
        to_types, type_ids = set(), set()
        for spec in types:
            category = spec.get("associationCategory") if isinstance(spec, dict) else None
            type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
            to_type = TYPE_TARGETS.get((object_type, type_id)) if category == "HUBSPOT_DEFINED" else None
            if to_type is None:
                return errors.validation(
                    f"Invalid association type: {category} {type_id} is not a valid association type "
                    f"from {schema.SINGULAR[object_type]} (object type {schema.TYPE_ID[object_type]}).",
                    context={"associationTypeId": [str(type_id)]},
                )
            to_types.add(to_type)
            type_ids.add(type_id)
        if len(to_types) != 1:
            return errors.validation(f"associations[{index}] mixes association types of different objects")
        to_type, to_id = to_types.pop(), str(target["id"]).strip()
        if portal.get(to_type, to_id) is None:
            return errors.validation(
                f"Unable to associate: {schema.SINGULAR[to_type]} {to_id} does not exist.",
                context={"id": [to_id]},
            )
        links.append(Link(to_type, to_id, frozenset(type_ids)))
    return links


def lead_problems(props: dict[str, str]) -> list[ValueProblem]:
    """A lead needs its name (hs_lead_name)."""
    if (props.get("hs_lead_name") or "").strip():
        return []
    return [ValueProblem("hs_lead_name", "REQUIRED_PROPERTY", "Property hs_lead_name is required")]


def check(portal: Portal, object_type: str, props: dict[str, str], raw_links: Any) -> list[Link] | Response:
    """Everything HubSpot checks on a create beyond the property values themselves."""
    if object_type == "leads":
        problems = lead_problems(props)
        if problems:
            return errors.property_values_invalid(problems, portal.portal_id)
    links = parse_links(portal, object_type, raw_links)
    if isinstance(links, Response):
        return links
    if object_type == "leads" and not any(link.to_type == "contacts" for link in links):
        return errors.validation(LEAD_NEEDS_CONTACT)
    return links


def link(
    portal: Portal, object_type: str, record_id: str, links: list[Link], at_ms: int | None = None
) -> None:
    """Create the checked associations of a new record (both directions)."""
    for item in links:
        unlabeled = ASSOC_TYPES.get((object_type, item.to_type), (0, 0))[1]
        portal.associate(
            object_type, record_id, item.to_type, item.to_id, type_ids=set(item.type_ids) | {unlabeled}
        )
    if object_type == "leads" and links:
        portal.refresh_lead(record_id, at_ms=at_ms, notify=False)
