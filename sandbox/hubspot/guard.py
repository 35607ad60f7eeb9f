"""The checks every HubSpot API call goes through: auth, scopes, faults, rate limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, make_response, request

from sandbox.hubspot import errors, schema

SCOPES_DOC = "https://developers.hubspot.com/scopes"


def resolve_type(name: str) -> str | None:
    if name in schema.OBJECT_TYPES:
        return name
    return schema.ALIASES.get(name)


def unauthenticated() -> Response:
    return errors.error(
        401,
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
        "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
    )


def guarded(sandbox: Any, area: str = "api", scopes: Callable[..., tuple[str, ...]] | None = None):
    """Wrap a view: the view gets ``portal`` and ``grant`` keyword arguments."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            g.area = area
            if sandbox.faults.latency_ms:
                time.sleep(sandbox.faults.latency_ms / 1000)
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else ""
            if not token:
                return unauthenticated()
            now = sandbox.clock.now()
            access, problem = sandbox.oauth.check_access(token, now)
            if problem == "expired":
                minutes = max(0, int((now - access.expires_at) // 60))
                return errors.error(
                    401,
                    f"The OAuth token used to make this call expired {minutes} minute(s) ago.",
                    "EXPIRED_AUTHENTICATION",
                    context={"expiredAt": [str(int(access.expires_at * 1000))]},
                )
            if problem:
                return unauthenticated()
            grant = access.grant
            portal = sandbox.portals[grant.portal_id]
            g.portal_id = portal.portal_id
            required = scopes(**kwargs) if scopes else ()
            if required and not any(s in grant.scopes for s in required):
                return errors.error(
                    403,
                    "This app hasn't been granted all required scopes to make this call. "
                    f"Read more about required scopes here: {SCOPES_DOC}.",
                    "MISSING_SCOPES",
                    errors=[
                        {
                            "message": "One or more of the following scopes are required.",
                            "context": {"requiredGranularScopes": list(required)},
                        }
                    ],
                    links={"scopes": SCOPES_DOC},
                )
            bucket = "search" if area == "search" else "api"
            fault = sandbox.faults.draw()
            if fault == "429":
                return _limited(bucket, sandbox.limits.per_ten_seconds)
            if fault == "5xx":
                code = sandbox.faults.pick_5xx()
                return errors.error(
                    code, "internal error", "INTERNAL_ERROR" if code == 500 else "UNAVAILABLE"
                )
            allowed, remaining, limit, interval = sandbox.limits.acquire(portal.portal_id, bucket)
            if not allowed:
                return _limited(bucket, limit)
            response = make_response(view(portal=portal, grant=grant, **kwargs))
            if bucket == "api":  # search responses carry no rate-limit headers
                response.headers["X-HubSpot-RateLimit-Max"] = str(limit)
                response.headers["X-HubSpot-RateLimit-Remaining"] = str(remaining)
                response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(interval)
            return response

        return wrapper

    return decorate


def _limited(bucket: str, limit: int) -> Response:
    if bucket == "search":
        return errors.rate_limited("SECONDLY", "You have reached your secondly limit.")
    return errors.rate_limited(
        "TEN_SECONDLY_ROLLING",
        "You have reached your ten_secondly_rolling limit.",
        {
            "X-HubSpot-RateLimit-Max": str(limit),
            "X-HubSpot-RateLimit-Remaining": "0",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        },
    )


def read_scopes(object_type: str = "contacts", **_: Any) -> tuple[str, ...]:
    resolved = resolve_type(object_type) or "contacts"
    return (f"crm.objects.{resolved}.read",)


def write_scopes(object_type: str = "contacts", **_: Any) -> tuple[str, ...]:
    resolved = resolve_type(object_type) or "contacts"
    return (f"crm.objects.{resolved}.write",)


def json_body() -> dict[str, Any] | None:
    """The request's JSON object, or None when the body is not a JSON object."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def invalid_json() -> Response:
    return errors.validation("Invalid input JSON on line 1: the request body must be a JSON object")


def query_list(name: str) -> list[str]:
    """HubSpot accepts both ``a=x,y`` and repeated ``a=x&a=y``; the SDK sends the latter."""
    values: list[str] = []
    for raw in request.args.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values
