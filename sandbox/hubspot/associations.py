"""Associations v4: list, create default or labelled, remove, batch read."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request

from sandbox.hubspot import errors, schema
from sandbox.hubspot.guard import guarded, invalid_json, json_body, resolve_type
from sandbox.hubspot.store import ASSOC_TYPES, Portal, iso_ms

LABELS = {
    1: "Primary",
    2: "Primary",
    5: "Primary",
    6: "Primary",
    578: "Primary",
    579: "Primary",
    580: "Primary",
    581: "Primary",
}


def _now(sandbox: Any) -> str:
    return iso_ms(sandbox.clock.now_ms())


def _types(from_type: str, to_type: str, ids: set[int]) -> list[dict[str, Any]]:
    return [
        {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": LABELS.get(type_id)}
        for type_id in sorted(ids)
    ]


def _refresh_leads(portal: Portal, types: tuple[str, str], ids: tuple[str, str]) -> None:
    """A lead's calculated link properties follow its associations."""
    for object_type, object_id in zip(types, ids, strict=True):
        if object_type == "leads":
            portal.refresh_lead(object_id)


def _wrong_type(types: tuple[str, str], ids: set[int], categories: set[str]) -> Response | None:
    """A HUBSPOT_DEFINED type id that does not exist for this direction is refused (leads pairs)."""
    known = ASSOC_TYPES.get(types)
    if known is None or "leads" not in types or "HUBSPOT_DEFINED" not in categories:
        return None
    wrong = sorted(i for i in ids if i not in known)
    if not wrong:
        return None
    return errors.validation(
        f"Invalid association type: HUBSPOT_DEFINED {wrong[0]} is not a valid association type "
        f"from {schema.SINGULAR[types[0]]} to {schema.SINGULAR[types[1]]}.",
        context={"associationTypeId": [str(i) for i in wrong]},
    )


def _scopes(objectType: str = "contacts", toObjectType: str = "companies", **kw: Any) -> tuple[str, ...]:
    resolved = resolve_type(kw.get("fromObjectType", objectType)) or "contacts"
    return (f"crm.objects.{resolved}.read",)


def register(app: Flask, sandbox: Any) -> None:
    def pair(a: str, b: str) -> tuple[str, str] | Response:
        left, right = resolve_type(a), resolve_type(b)
        if left is None or right is None:
            return errors.validation(f"Unknown object type in {a} -> {b}")
        return left, right

    @app.get("/crm/v4/objects/<objectType>/<objectId>/associations/<toObjectType>", endpoint="hs_assoc_list")
    @guarded(sandbox, scopes=_scopes)
    def list_assoc(portal: Portal, grant: Any, objectType: str, objectId: str, toObjectType: str) -> Response:
        types = pair(objectType, toObjectType)
        if isinstance(types, Response):
            return types
        if portal.get(types[0], objectId) is None:
            return errors.not_found(schema.SINGULAR[types[0]].upper(), [objectId])
        try:
            limit = int(request.args.get("limit", "500"))
            after = int(request.args.get("after", "0") or 0)
        except ValueError:
            return errors.validation("limit and after must be integers")
        if not 1 <= limit <= 500:
            return errors.validation("limit must be between 1 and 500")
        linked = sorted(portal.associated(types[0], objectId, types[1]).items(), key=lambda kv: int(kv[0]))
        page = linked[after : after + limit]
        body: dict[str, Any] = {
            "results": [
                {"toObjectId": int(to_id), "associationTypes": _types(*types, ids)} for to_id, ids in page
            ]
        }
        if after + limit < len(linked):
            body["paging"] = {"next": {"after": str(after + limit)}}
        return jsonify(body)

    @app.put(
        "/crm/v4/objects/<fromObjectType>/<fromObjectId>/associations/default/<toObjectType>/<toObjectId>",
        endpoint="hs_assoc_default",
    )
    @guarded(
        sandbox,
        scopes=lambda **kw: (f"crm.objects.{resolve_type(kw['fromObjectType']) or 'contacts'}.write",),
    )
    def create_default(
        portal: Portal, grant: Any, fromObjectType: str, fromObjectId: str, toObjectType: str, toObjectId: str
    ) -> Response:
        types = pair(fromObjectType, toObjectType)
        if isinstance(types, Response):
            return types
        for object_type, object_id in ((types[0], fromObjectId), (types[1], toObjectId)):
            if portal.get(object_type, object_id) is None:
                return errors.not_found(schema.SINGULAR[object_type].upper(), [object_id])
        portal.associate(types[0], fromObjectId, types[1], toObjectId)
        _refresh_leads(portal, types, (fromObjectId, toObjectId))
        unlabeled = ASSOC_TYPES.get(types, (0, 0))[1]
        return jsonify(
            {
                "status": "COMPLETE",
                "results": [
                    {
                        "from": {"id": fromObjectId},
                        "to": {"id": toObjectId},
                        "associationSpec": {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": unlabeled,
                        },
                    }
                ],
                "startedAt": _now(sandbox),
                "completedAt": _now(sandbox),
            }
        )

    @app.route(
        "/crm/v4/objects/<objectType>/<objectId>/associations/<toObjectType>/<toObjectId>",
        methods=["PUT", "DELETE"],
        endpoint="hs_assoc_labelled",
    )
    @guarded(
        sandbox, scopes=lambda **kw: (f"crm.objects.{resolve_type(kw['objectType']) or 'contacts'}.write",)
    )
    def labelled(
        portal: Portal, grant: Any, objectType: str, objectId: str, toObjectType: str, toObjectId: str
    ) -> Response:
        types = pair(objectType, toObjectType)
        if isinstance(types, Response):
            return types
        if request.method == "DELETE":
            portal.dissociate(types[0], objectId, types[1], toObjectId)
            _refresh_leads(portal, types, (objectId, toObjectId))
            return Response(status=204)
        specs = request.get_json(silent=True)
        if not isinstance(specs, list) or not specs:
            return errors.validation("Body must be a list of association specs")
        ids, categories = set(), set()
        for spec in specs:
            if (
                not isinstance(spec, dict)
                or spec.get("associationCategory")
                not in ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED")
                or not isinstance(spec.get("associationTypeId"), int)
            ):
                return errors.validation(
                    "Each spec needs associationCategory and an integer associationTypeId"
                )
            ids.add(spec["associationTypeId"])
            categories.add(spec["associationCategory"])
        wrong = _wrong_type(types, ids, categories)
        if wrong is not None:
            return wrong
        for object_type, object_id in ((types[0], objectId), (types[1], toObjectId)):
            if portal.get(object_type, object_id) is None:
                return errors.not_found(schema.SINGULAR[object_type].upper(), [object_id])
        portal.associate(types[0], objectId, types[1], toObjectId, type_ids=ids)
        _refresh_leads(portal, types, (objectId, toObjectId))
        linked = portal.associated(types[0], objectId, types[1])[toObjectId]
        return jsonify(
            {
                "fromObjectTypeId": types[0],
                "fromObjectId": int(objectId),
                "toObjectTypeId": types[1],
                "toObjectId": int(toObjectId),
                "labels": [LABELS[i] for i in sorted(linked) if i in LABELS],
            }
        )

    @app.post(
        "/crm/v4/associations/<fromObjectType>/<toObjectType>/batch/read", endpoint="hs_assoc_batch_read"
    )
    @guarded(sandbox, scopes=_scopes)
    def batch_read(portal: Portal, grant: Any, fromObjectType: str, toObjectType: str) -> Response:
        types = pair(fromObjectType, toObjectType)
        if isinstance(types, Response):
            return types
        data = json_body()
        if data is None or not isinstance(data.get("inputs"), list):
            return invalid_json()
        if len(data["inputs"]) > 1000:
            return errors.validation("The maximum number of inputs supported in a batch request is 1000.")
        results = []
        for item in data["inputs"]:
            from_id = str(item.get("id", "")) if isinstance(item, dict) else ""
            linked = portal.associated(types[0], from_id, types[1])
            if not linked:
                continue
            results.append(
                {
                    "from": {"id": from_id},
                    "to": [
                        {"toObjectId": int(to_id), "associationTypes": _types(*types, ids)}
                        for to_id, ids in sorted(linked.items(), key=lambda kv: int(kv[0]))
                    ],
                }
            )
        return jsonify(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": _now(sandbox),
                "completedAt": _now(sandbox),
            }
        )
