"""HubSpot's error bodies, shaped as the real API shapes them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Response, jsonify

from sandbox.hubspot.store import ValueProblem


def correlation_id() -> str:
    return str(uuid.uuid4())


def error(status: int, message: str, category: str, **extra: Any) -> Response:
    body = {"status": "error", "message": message, "correlationId": correlation_id(), "category": category}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    return response


def validation(message: str, **extra: Any) -> Response:
    return error(400, message, "VALIDATION_ERROR", **extra)


def property_values_invalid(problems: Iterable[ValueProblem], portal_id: int) -> Response:
    """The 400 HubSpot answers when a write names an unknown property or a bad value.

    HubSpot embeds a JSON array of per-property results inside ``message``.
    """
    items = [
        {
            "isValid": False,
            "message": p.message,
            "error": p.error,
            "name": p.name,
            "localizedErrorMessage": p.message,
            "portalId": portal_id,
        }
        for p in problems
    ]
    return validation(f"Property values were not valid: {json.dumps(items, separators=(',', ':'))}")


def not_found(object_label: str, ids: list[str]) -> Response:
    return error(
        404,
        "Object not found.  objectId are usually numeric.",
        "OBJECT_NOT_FOUND",
        context={"id": ids},
        subCategory=f"{object_label}.NOT_FOUND" if object_label else None,
    )


def rate_limited(policy: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "groupName": "publicapi:oauth",
        "requestId": uuid.uuid4().hex,
    }
    response = jsonify(body)
    response.status_code = 429
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
