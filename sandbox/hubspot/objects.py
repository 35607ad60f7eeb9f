"""CRM v3 objects: list with ``after`` paging, read, create, update, and the batch endpoints."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request

from sandbox.hubspot import creation, errors, schema
from sandbox.hubspot.guard import (
    guarded,
    invalid_json,
    json_body,
    query_list,
    read_scopes,
    resolve_type,
    write_scopes,
)
from sandbox.hubspot.store import Portal, Record, Source, iso_ms

BATCH_MAX = 100
HISTORY_BATCH_MAX = 50
PAGE_MAX = 100
HISTORY_PAGE_MAX = 50


def app_source(sandbox: Any) -> Source:
    """Writes made with an app's OAuth token are attributed to that app."""
    return Source("INTEGRATION", str(sandbox.oauth.app.app_id))


def serialize(
    portal: Portal,
    object_type: str,
    record: Record,
    properties: list[str] | None = None,
    history: list[str] | None = None,
    associations: list[str] | None = None,
) -> dict[str, Any]:
    defs = portal.properties[object_type]
    always = ("hs_object_id", schema.CREATED_PROP[object_type], schema.MODIFIED_PROP[object_type])
    names = list(properties) if properties else list(schema.DEFAULT_RETURNED[object_type])
    names += [n for n in always if n not in names]
    body: dict[str, Any] = {
        "id": record.id,
        "properties": {n: record.props.get(n) for n in names if n in defs},
        "createdAt": iso_ms(record.created_ms),
        "updatedAt": iso_ms(record.updated_ms),
        "archived": record.archived,
    }
    if history:
        body["propertiesWithHistory"] = {n: list(record.history.get(n, [])) for n in history if n in defs}
    if associations:
        assoc: dict[str, Any] = {}
        for target in associations:
            to_type = resolve_type(target)
            if to_type is None:
                continue
            linked = portal.associated(object_type, record.id, to_type)
            if linked:
                label = f"{schema.SINGULAR[object_type]}_to_{schema.SINGULAR[to_type]}"
                assoc[to_type] = {
                    "results": [{"id": to_id, "type": label} for to_id in sorted(linked, key=int)]
                }
        if assoc:
            body["associations"] = assoc
    return body


def _type_or_404(object_type: str) -> str | Response:
    resolved = resolve_type(object_type)
    if resolved is None:
        return errors.error(400, f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
    return resolved


def _stamp(sandbox: Any) -> str:
    return iso_ms(sandbox.clock.now_ms())


def _batch_limit(inputs: list[Any], limit: int, history: bool = False) -> Response | None:
    if len(inputs) > limit:
        if history:
            message = (
                "The maximum number of inputs supported in a batch request for property histories "
                f"is {limit}. "
                "Please reduce the number of items and try again"
            )
        else:
            message = (
                f"The maximum number of inputs supported in a batch request is {limit}. "
                "Please reduce the number of items and try again"
            )
        return errors.validation(message)
    return None


def register(app: Flask, sandbox: Any) -> None:
    base = "/crm/v3/objects/<object_type>"

    @app.get(base, endpoint="hs_list")
    @guarded(sandbox, scopes=read_scopes)
    def list_page(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        history = query_list("propertiesWithHistory")
        cap = HISTORY_PAGE_MAX if history else PAGE_MAX
        try:
            limit = int(request.args.get("limit", "10"))
        except ValueError:
            return errors.validation("limit must be an integer")
        if limit < 1 or limit > cap:
            return errors.validation(f"limit must be between 1 and {cap}")
        archived = request.args.get("archived", "false").lower() == "true"
        after = request.args.get("after")
        records = sorted(portal.live(resolved, archived=archived), key=lambda r: int(r.id))
        if after:
            if not after.isdigit():
                return errors.validation(f"after must be a paging cursor returned by this API, got {after!r}")
            records = [r for r in records if int(r.id) >= int(after)]
        page, rest = records[:limit], records[limit:]
        body: dict[str, Any] = {
            "results": [
                serialize(portal, resolved, r, query_list("properties"), history, query_list("associations"))
                for r in page
            ]
        }
        if rest:
            token = rest[0].id
            body["paging"] = {
                "next": {
                    "after": token,
                    "link": f"{request.host_url.rstrip('/')}/crm/v3/objects/{resolved}?after={token}",
                }
            }
        return jsonify(body)

    @app.get(base + "/<record_id>", endpoint="hs_get")
    @guarded(sandbox, scopes=read_scopes)
    def get_one(portal: Portal, grant: Any, object_type: str, record_id: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        archived = request.args.get("archived", "false").lower() == "true"
        record = _lookup(portal, resolved, record_id, request.args.get("idProperty"), archived)
        if record is None:
            return errors.not_found(schema.SINGULAR[resolved].upper(), [record_id])
        return jsonify(
            serialize(
                portal,
                resolved,
                record,
                query_list("properties"),
                query_list("propertiesWithHistory"),
                query_list("associations"),
            )
        )

    @app.post(base, endpoint="hs_create")
    @guarded(sandbox, scopes=write_scopes)
    def create_one(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None or not isinstance(data.get("properties", {}), dict):
            return invalid_json()
        props = {k: "" if v is None else str(v) for k, v in data.get("properties", {}).items()}
        problems = portal.validate(resolved, props)
        if problems:
            return errors.property_values_invalid(problems, portal.portal_id)
        links = creation.check(portal, resolved, props, data.get("associations"))
        if isinstance(links, Response):
            return links
        with portal.lock:
            record = portal.create(resolved, props, app_source(sandbox))
            creation.link(portal, resolved, record.id, links)
        response = jsonify(serialize(portal, resolved, record, list(props)))
        response.status_code = 201
        return response

    @app.patch(base + "/<record_id>", endpoint="hs_update")
    @guarded(sandbox, scopes=write_scopes)
    def update_one(portal: Portal, grant: Any, object_type: str, record_id: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None or not isinstance(data.get("properties"), dict):
            return invalid_json()
        record = _lookup(portal, resolved, record_id, request.args.get("idProperty"), False)
        if record is None:
            return errors.not_found(schema.SINGULAR[resolved].upper(), [record_id])
        props = {k: "" if v is None else str(v) for k, v in data["properties"].items()}
        problems = portal.validate(resolved, props)
        if problems:
            return errors.property_values_invalid(problems, portal.portal_id)
        portal.update(resolved, record.id, props, app_source(sandbox))
        return jsonify(serialize(portal, resolved, record, list(props)))

    @app.delete(base + "/<record_id>", endpoint="hs_archive")
    @guarded(sandbox, scopes=write_scopes)
    def archive_one(portal: Portal, grant: Any, object_type: str, record_id: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        if portal.get(resolved, record_id) is not None:
            portal.archive(resolved, record_id, app_source(sandbox))
        return Response(status=204)

    @app.post(base + "/batch/read", endpoint="hs_batch_read")
    @guarded(sandbox, scopes=read_scopes)
    def batch_read(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None or not isinstance(data.get("inputs"), list):
            return invalid_json()
        history = data.get("propertiesWithHistory") or []
        inputs = data["inputs"]
        too_many = _batch_limit(inputs, HISTORY_BATCH_MAX if history else BATCH_MAX, bool(history))
        if too_many:
            return too_many
        archived = request.args.get("archived", "false").lower() == "true"
        started = _stamp(sandbox)
        results, missing = [], []
        for item in inputs:
            wanted = str(item.get("id", "")) if isinstance(item, dict) else ""
            record = _lookup(portal, resolved, wanted, data.get("idProperty"), archived)
            if record is None:
                missing.append(wanted)
                continue
            results.append(serialize(portal, resolved, record, data.get("properties") or [], history))
        return _batch_response(sandbox, resolved, started, results, missing, "get")

    @app.post(base + "/batch/update", endpoint="hs_batch_update")
    @guarded(sandbox, scopes=write_scopes)
    def batch_update(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None or not isinstance(data.get("inputs"), list):
            return invalid_json()
        inputs = data["inputs"]
        too_many = _batch_limit(inputs, BATCH_MAX)
        if too_many:
            return too_many
        ids = [str(i.get("id", "")) for i in inputs if isinstance(i, dict)]
        if len(ids) != len(inputs) or any(not isinstance(i.get("properties"), dict) for i in inputs):
            return errors.validation("Each input needs an id and a properties object")
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            return errors.validation(
                f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique",
                context={"ids": duplicates},
            )
        problems = []
        for item in inputs:
            props = {k: "" if v is None else str(v) for k, v in item["properties"].items()}
            problems.extend(portal.validate(resolved, props))
        if problems:
            # One bad property or value rejects the whole batch, as HubSpot does.
            unique = {(p.name, p.error, p.message): p for p in problems}
            return errors.property_values_invalid(list(unique.values()), portal.portal_id)
        started = _stamp(sandbox)
        results, missing = [], []
        source = app_source(sandbox)
        portal.land_edits_before_write(resolved, ids)
        for item in inputs:
            record = _lookup(portal, resolved, str(item["id"]), item.get("idProperty"), False)
            if record is None:
                missing.append(str(item["id"]))
                continue
            props = {k: "" if v is None else str(v) for k, v in item["properties"].items()}
            portal.update(resolved, record.id, props, source)
            body = serialize(portal, resolved, record, list(props))
            if item.get("objectWriteTraceId"):
                body["objectWriteTraceId"] = item["objectWriteTraceId"]
            results.append(body)
        return _batch_response(sandbox, resolved, started, results, missing, "update")

    @app.post(base + "/batch/create", endpoint="hs_batch_create")
    @guarded(sandbox, scopes=write_scopes)
    def batch_create(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = _type_or_404(object_type)
        if isinstance(resolved, Response):
            return resolved
        data = json_body()
        if data is None or not isinstance(data.get("inputs"), list):
            return invalid_json()
        too_many = _batch_limit(data["inputs"], BATCH_MAX)
        if too_many:
            return too_many
        problems, links = [], []
        for item in data["inputs"]:
            props = (item or {}).get("properties") if isinstance(item, dict) else None
            if not isinstance(props, dict):
                return errors.validation("Each input needs a properties object")
            problems.extend(portal.validate(resolved, {k: str(v) for k, v in props.items()}))
        if problems:
            return errors.property_values_invalid(problems, portal.portal_id)
        for item in data["inputs"]:  # one input without its required association rejects the batch
            checked = creation.check(portal, resolved, _values(item["properties"]), item.get("associations"))
            if isinstance(checked, Response):
                return checked
            links.append(checked)
        started = _stamp(sandbox)
        results = []
        for item, item_links in zip(data["inputs"], links, strict=True):
            props = _values(item["properties"])
            with portal.lock:
                record = portal.create(resolved, props, app_source(sandbox))
                creation.link(portal, resolved, record.id, item_links)
            results.append(serialize(portal, resolved, record, list(props)))
        response = _batch_response(sandbox, resolved, started, results, [], "create")
        response.status_code = 201
        return response

    # HubSpot publishes date-versioned twins of the same endpoints (/crm/objects/2026-03/...).
    dated = "/crm/objects/2026-03/<object_type>"
    for suffix, view, method in (
        ("", list_page, "GET"),
        ("/<record_id>", get_one, "GET"),
        ("", create_one, "POST"),
        ("/<record_id>", update_one, "PATCH"),
        ("/<record_id>", archive_one, "DELETE"),
        ("/batch/read", batch_read, "POST"),
        ("/batch/update", batch_update, "POST"),
        ("/batch/create", batch_create, "POST"),
    ):
        app.add_url_rule(dated + suffix, f"{view.__name__}_2026_03", view, methods=[method])


def _values(raw: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in raw.items()}


def _lookup(
    portal: Portal, object_type: str, wanted: str, id_property: str | None, archived: bool
) -> Record | None:
    if not id_property or id_property == "hs_object_id":
        return portal.get(object_type, wanted, archived=archived)
    needle = wanted.lower()
    for record in portal.live(object_type, archived=archived):
        if (record.props.get(id_property) or "").lower() == needle:
            return record
    return None


def _batch_response(
    sandbox: Any, object_type: str, started: str, results: list[dict[str, Any]], missing: list[str], verb: str
) -> Response:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": _stamp(sandbox),
    }
    if missing:
        label = schema.SINGULAR[object_type].upper()
        body["numErrors"] = 1
        body["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": f"Could not {verb} some {label} objects, they may be deleted or not exist. "
                "Check that ids are valid.",
                "context": {"ids": missing},
                "errors": [],
                "links": {},
            }
        ]
        response = jsonify(body)
        response.status_code = 207
        return response
    return jsonify(body)
