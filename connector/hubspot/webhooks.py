"""HubSpot webhooks: the v3 signature check and a validating parser (pure, no Flask)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.records import ChangeEvent, CrmKind, ObjectType, RecordRef

MAX_EVENTS = 100
MAX_AGE_MS = 300_000
# HubSpot decodes only these before signing (its v3 documentation); everything else stays encoded.
_DECODE = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
OBJECT_OF = {
    "contact": ObjectType.CONTACT,
    "company": ObjectType.ACCOUNT,
    "deal": ObjectType.DEAL,
    "lead": ObjectType.PIPELINE_LEAD,
}
KINDS = ("creation", "propertyChange", "deletion", "merge", "restore", "associationChange")
# Generic ``object.*`` events name their object by type id; HubSpot's Leads (0-136) come only so.
OBJECT_TYPE_IDS = {"0-1": "contact", "0-2": "company", "0-3": "deal", "0-136": "lead"}
GENERIC_ONLY = frozenset({"lead"})


class WebhookRejected(ValueError):
    """Why a delivery is refused; ``reason`` is the log key and ``status`` the HTTP answer."""

    def __init__(self, reason: str, status: int, message: str) -> None:
        super().__init__(message)
        self.reason, self.status = reason, status


def normalise_uri(uri: str) -> str:
    for encoded, plain in _DECODE.items():
        uri = uri.replace(encoded, plain).replace(encoded.lower(), plain)
    return uri


def expected_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    source = method.encode() + normalise_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def verify_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
    max_age_ms: int = MAX_AGE_MS,
) -> None:
    """Raise WebhookRejected unless the v3 signature is genuine and fresh (constant-time compare).
    Without a client secret nothing is genuine: an empty key would verify anyone's signature."""
    if not secret:
        raise WebhookRejected("not-configured", 503, "HubSpot webhooks are not configured on this server")
    if not signature or not timestamp:
        raise WebhookRejected(
            "missing-signature", 401, "X-HubSpot-Signature-v3 and -Request-Timestamp required"
        )
    try:
        sent_ms = int(timestamp)
    except ValueError:
        raise WebhookRejected("bad-timestamp", 401, "X-HubSpot-Request-Timestamp is not a number") from None
    if abs(now_ms - sent_ms) > max_age_ms:
        raise WebhookRejected("stale-timestamp", 401, "request timestamp is older than 5 minutes")
    good = expected_signature(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(good.encode(), signature.encode()):
        raise WebhookRejected("invalid-signature", 401, "signature does not match")


@dataclass(frozen=True)
class HubSpotEvent:
    portal_id: str
    event: ChangeEvent
    key: str  # content key for dedupe (eventId alone is not unique)
    subscription_type: str
    property_value: str | None

    def is_echo(self, app_id: str) -> bool:
        """leadq's own write coming back (see ``is_echo``)."""
        return is_echo({"changeSource": self.event.source, "sourceId": self.event.source_id}, app_id)


def is_echo(fields: Mapping[str, object], app_id: str | None) -> bool:
    """leadq's own write coming back: made by an integration (``changeSource``), and that integration
    is leadq (``sourceId`` is leadq's app id)."""
    return bool(app_id) and fields.get("changeSource") == "INTEGRATION" and fields.get("sourceId") == app_id


def event_key(
    portal: int, kind: str, object_id: int, prop: str | None, value: str | None, occurred_ms: int
) -> str:
    """HubSpot's dedupe key of one change: a hash of its content (``eventId`` alone is not unique,
    and a redelivery carries the same content)."""
    return hashlib.sha256(
        json.dumps([portal, kind, object_id, prop, value, occurred_ms]).encode()
    ).hexdigest()


# HubSpot ids are 64-bit integers; occurredAt is epoch milliseconds up to the end of year 9999.
MAX_ID = 2**63 - 1
MAX_OCCURRED_MS = 253_402_300_799_999


def _int(item: dict[str, Any], name: str, high: int = MAX_ID) -> int:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    if not 0 <= value <= high:
        raise ValueError(f"{name} is out of range (0 to {high})")
    return value


def parse(body: bytes) -> list[HubSpotEvent]:
    """Validate every field read; raise WebhookRejected (400) on anything malformed."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("malformed-json", 400, "body is not JSON") from None
    except RecursionError:  # e.g. thousands of nested "[": json's decoder recurses per level
        raise WebhookRejected("malformed-json", 400, "body is nested too deeply") from None
    if not isinstance(data, list):
        raise WebhookRejected("malformed-payload", 400, "body must be a JSON array of events")
    if len(data) > MAX_EVENTS:
        raise WebhookRejected("too-many-events", 400, f"at most {MAX_EVENTS} events per request")
    events = []
    for index, item in enumerate(data):
        try:
            if not isinstance(item, dict):
                raise ValueError("event must be an object")
            kind = item.get("subscriptionType") or item.get("eventType")
            if not isinstance(kind, str) or "." not in kind:
                raise ValueError("subscriptionType missing")
            prefix, action = kind.split(".", 1)
            if prefix == "object":
                prefix = OBJECT_TYPE_IDS.get(str(item.get("objectTypeId")), "")
            elif prefix in GENERIC_ONLY:
                prefix = ""  # no legacy ``lead.*`` event type exists: not HubSpot's
            if prefix not in OBJECT_OF or action not in KINDS:
                continue  # an event type leadq does not act on: ignored, logged by the caller
            portal = _int(item, "portalId")
            object_id = _int(item, "objectId")
            occurred_ms = _int(item, "occurredAt", MAX_OCCURRED_MS)
            occurred_at = datetime.fromtimestamp(occurred_ms / 1000, UTC)
            prop = item.get("propertyName")
            value = item.get("propertyValue")
            if prop is not None and not isinstance(prop, str):
                raise ValueError("propertyName must be a string")
            if value is not None and not isinstance(value, str):
                value = json.dumps(value)
        except (ValueError, OverflowError, OSError) as exc:
            raise WebhookRejected("malformed-event", 400, f"event {index}: {exc}") from None
        ref = RecordRef(CrmKind.HUBSPOT, str(portal), OBJECT_OF[prefix], str(object_id))
        key = event_key(portal, kind, object_id, prop, value, occurred_ms)
        events.append(
            HubSpotEvent(
                str(portal),
                ChangeEvent(
                    event_id=str(item.get("eventId", "")),
                    ref=ref,
                    occurred_at=occurred_at,
                    changed_fields=(prop,) if prop else (),
                    source=str(item.get("changeSource") or ""),
                    source_id=str(item.get("sourceId") or ""),
                ),
                key,
                kind,
                value,
            )
        )
    return events
