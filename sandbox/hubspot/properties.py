"""Properties API and property groups: create, list, read, update, archive."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, jsonify

from sandbox.hubspot import errors, schema
from sandbox.hubspot.guard import guarded, invalid_json, json_body, resolve_type
from sandbox.hubspot.store import Portal, iso_ms

NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
REQUIRED = ("name", "label", "type", "fieldType", "groupName")


def _read_scopes(object_type: str = "contacts", **_: Any) -> tuple[str, ...]:
    resolved = resolve_type(object_type) or "contacts"
    if resolved == "leads":  # HubSpot has no crm.schemas.leads.* scopes: the object scopes cover them
        return ("crm.objects.leads.read", "crm.objects.leads.write")
    return (f"crm.schemas.{resolved}.read", f"crm.objects.{resolved}.read", f"crm.schemas.{resolved}.write")


def _write_scopes(object_type: str = "contacts", **_: Any) -> tuple[str, ...]:
    resolved = resolve_type(object_type) or "contacts"
    if resolved == "leads":
        return ("crm.objects.leads.write",)
    return (f"crm.schemas.{resolved}.write",)


def _options(raw: Any) -> list[dict[str, Any]] | str:
    if not isinstance(raw, list):
        return "options must be a list"
    out = []
    for index, option in enumerate(raw):
        if not isinstance(option, dict) or not option.get("label") or "value" not in option:
            return f"option {index} needs a label and a value"
        out.append(
            {
                "label": str(option["label"]),
                "value": str(option["value"]),
                "description": str(option.get("description", "")),
                "displayOrder": int(option.get("displayOrder", index)),
                "hidden": bool(option.get("hidden", False)),
            }
        )
    return out


def register(app: Flask, sandbox: Any) -> None:
    base = "/crm/v3/properties/<object_type>"

    def resolved_or_error(object_type: str) -> str | Response:
        resolved = resolve_type(object_type)
        if resolved is None:
            return errors.validation(f"Unable to infer object type from: {object_type}")
        return resolved

    @app.get(base, endpoint="hs_props_list")
    @guarded(sandbox, scopes=_read_scopes)
    def list_props(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        return jsonify({"results": [p for p in portal.properties[resolved].values() if not p["archived"]]})

    @app.get(base + "/<name>", endpoint="hs_props_get")
    @guarded(sandbox, scopes=_read_scopes)
    def get_prop(portal: Portal, grant: Any, object_type: str, name: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        prop = portal.properties[resolved].get(name)
        if prop is None or prop["archived"]:
            return errors.error(
                404, f"Unable to find property {name} for object type {resolved}", "OBJECT_NOT_FOUND"
            )
        return jsonify(prop)

    @app.post(base, endpoint="hs_props_create")
    @guarded(sandbox, scopes=_write_scopes)
    def create_prop(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None:
            return invalid_json()
        missing = [k for k in REQUIRED if not data.get(k)]
        if missing:
            return errors.validation(
                f"Missing required fields: {', '.join(missing)}", context={"missingFields": missing}
            )
        name = str(data["name"])
        if not NAME.match(name) or name.startswith("hs_"):
            return errors.validation(
                f"Property name {name!r} is invalid: use lowercase letters, digits and underscores, "
                "starting with a letter; the hs_ prefix is reserved"
            )
        ptype, field_type = data["type"], data["fieldType"]
        if ptype not in schema.VALID_TYPES:
            return errors.validation(f"Invalid property type {ptype!r}")
        if field_type not in schema.VALID_TYPES[ptype]:
            return errors.validation(f"fieldType {field_type!r} is not valid for type {ptype!r}")
        options: list[dict[str, Any]] = []
        if ptype == "enumeration":
            parsed = _options(data.get("options", []))
            if isinstance(parsed, str):
                return errors.validation(parsed)
            if not parsed:
                return errors.validation("Enumeration properties need at least one option")
            options = parsed
        with portal.lock:
            existing = portal.properties[resolved].get(name)
            if existing is not None and not existing["archived"]:
                return errors.error(
                    409,
                    f"Property named '{name}' already exists.",
                    "OBJECT_ALREADY_EXISTS",
                    context={"name": [name]},
                )
            if data["groupName"] not in portal.groups[resolved]:
                return errors.validation(f"Property group {data['groupName']!r} does not exist")
            now = iso_ms(sandbox.clock.now_ms())
            prop = {
                "name": name,
                "label": str(data["label"]),
                "type": ptype,
                "fieldType": field_type,
                "description": str(data.get("description", "")),
                "groupName": data["groupName"],
                "options": options,
                "displayOrder": int(data.get("displayOrder", -1)),
                "calculated": False,
                "externalOptions": False,
                "hasUniqueValue": bool(data.get("hasUniqueValue", False)),
                "hidden": bool(data.get("hidden", False)),
                "hubspotDefined": False,
                "modificationMetadata": {
                    "archivable": True,
                    "readOnlyDefinition": False,
                    "readOnlyValue": False,
                },
                "formField": bool(data.get("formField", False)),
                "dataSensitivity": data.get("dataSensitivity", "non_sensitive"),
                "createdAt": now,
                "updatedAt": now,
                "archived": False,
                "createdUserId": str(grant.user_id),
                "updatedUserId": str(grant.user_id),
            }
            for key in ("numberDisplayHint", "textDisplayHint"):
                if key in data:
                    prop[key] = data[key]
            portal.properties[resolved][name] = prop
        response = jsonify(prop)
        response.status_code = 201
        return response

    @app.patch(base + "/<name>", endpoint="hs_props_update")
    @guarded(sandbox, scopes=_write_scopes)
    def update_prop(portal: Portal, grant: Any, object_type: str, name: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None:
            return invalid_json()
        prop = portal.properties[resolved].get(name)
        if prop is None or prop["archived"]:
            return errors.error(
                404, f"Unable to find property {name} for object type {resolved}", "OBJECT_NOT_FOUND"
            )
        if prop["hubspotDefined"] and ("type" in data or "fieldType" in data):
            return errors.validation(f"The type of HubSpot-defined property {name} cannot be changed")
        for key in (
            "label",
            "description",
            "groupName",
            "displayOrder",
            "hidden",
            "formField",
            "type",
            "fieldType",
            "numberDisplayHint",
            "textDisplayHint",
        ):
            if key in data:
                prop[key] = data[key]
        if "options" in data:
            parsed = _options(data["options"])
            if isinstance(parsed, str):
                return errors.validation(parsed)
            prop["options"] = parsed
        prop["updatedAt"] = iso_ms(sandbox.clock.now_ms())
        return jsonify(prop)

    @app.delete(base + "/<name>", endpoint="hs_props_archive")
    @guarded(sandbox, scopes=_write_scopes)
    def archive_prop(portal: Portal, grant: Any, object_type: str, name: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        prop = portal.properties[resolved].get(name)
        if prop is None:
            return errors.error(404, f"Unable to find property {name}", "OBJECT_NOT_FOUND")
        if prop["hubspotDefined"]:
            return errors.validation(f"HubSpot-defined property {name} cannot be archived")
        prop["archived"] = True
        return Response(status=204)

    @app.get(base + "/groups", endpoint="hs_groups_list")
    @guarded(sandbox, scopes=_read_scopes)
    def list_groups(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        return jsonify({"results": [g for g in portal.groups[resolved].values() if not g["archived"]]})

    @app.get(base + "/groups/<name>", endpoint="hs_groups_get")
    @guarded(sandbox, scopes=_read_scopes)
    def get_group(portal: Portal, grant: Any, object_type: str, name: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        group = portal.groups[resolved].get(name)
        if group is None or group["archived"]:
            return errors.error(404, f"Unable to find property group {name}", "OBJECT_NOT_FOUND")
        return jsonify(group)

    @app.post(base + "/groups", endpoint="hs_groups_create")
    @guarded(sandbox, scopes=_write_scopes)
    def create_group(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None:
            return invalid_json()
        missing = [k for k in ("name", "label") if not data.get(k)]
        if missing:
            return errors.validation(f"Missing required fields: {', '.join(missing)}")
        name = str(data["name"])
        if not NAME.match(name):
            return errors.validation(f"Property group name {name!r} is invalid")
        with portal.lock:
            existing = portal.groups[resolved].get(name)
            if existing is not None and not existing["archived"]:
                return errors.error(
                    409,
                    f"Property group named '{name}' already exists.",
                    "OBJECT_ALREADY_EXISTS",
                    context={"name": [name]},
                )
            group = {
                "name": name,
                "label": str(data["label"]),
                "displayOrder": int(data.get("displayOrder", -1)),
                "archived": False,
            }
            portal.groups[resolved][name] = group
        response = jsonify(group)
        response.status_code = 201
        return response

    @app.patch(base + "/groups/<name>", endpoint="hs_groups_update")
    @guarded(sandbox, scopes=_write_scopes)
    def update_group(portal: Portal, grant: Any, object_type: str, name: str) -> Response:
        resolved = resolved_or_error(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        group = portal.groups[resolved].get(name)
        if group is None or group["archived"]:
            return errors.error(404, f"Unable to find property group {name}", "OBJECT_NOT_FOUND")
        if data is None:
            return invalid_json()
        for key in ("label", "displayOrder"):
            if key in data:
                group[key] = data[key]
        return jsonify(group)
