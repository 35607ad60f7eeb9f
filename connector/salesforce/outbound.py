"""Salesforce Outbound Messages: parse the SOAP notification safely, and the acknowledgement.

Parsing refuses DTDs, entity declarations and external references (defusedxml), bodies over the
size cap, and anything that is not a ``notifications`` envelope; every refusal is a
``MessageRejected`` with a short reason and an HTTP status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from connector.salesforce.stamps import canonical_stamp, change_key
from core.records import ObjectType

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100
OBJECTS = {"Lead": ObjectType.LEAD, "Contact": ObjectType.CONTACT, "Account": ObjectType.ACCOUNT}
ORG_ID = re.compile(r"^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")

ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    b"</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


NOTIFICATION_PREFIX = "sf-om:"  # the event keys of outbound notifications


def notification_key(notification_id: str) -> str:
    """The event key of an outbound notification (see ``Notification.key``)."""
    return f"{NOTIFICATION_PREFIX}{notification_id}"


def is_echo(fields: Mapping[str, object], integration_user: str | None) -> bool:
    """leadq's own write coming back: the record was last modified by leadq's integration user."""
    return bool(integration_user) and fields.get("LastModifiedById") == integration_user


class MessageRejected(ValueError):
    def __init__(self, reason: str, status: int, message: str) -> None:
        super().__init__(message)
        self.reason, self.status = reason, status


@dataclass(frozen=True, slots=True)
class Notification:
    notification_id: str
    object_type: ObjectType
    record_id: str
    fields: dict[str, str] = field(default_factory=dict)

    def key(self) -> str:
        """The event key of this notification: its notification id (an 18-character Salesforce id,
        the same on every redelivery). Never a key built from the values the sender wrote: the poll's
        key of a record version (``change_key``) is only ever recorded from what leadq read from the
        org itself, so no message can pre-record it and hide a real change from the poll."""
        return notification_key(self.notification_id)

    def claimed_version_key(self) -> str | None:
        """The poll's key of the version this notification says it carries (its SystemModstamp in
        canonical form), or None. Used only to recognise a version leadq already has: a notification
        is dropped as a duplicate when this key is recorded, never recorded under it."""
        stamp = self.fields.get("SystemModstamp")
        return change_key(self.object_type, self.record_id, stamp) if stamp else None

    def is_echo(self, integration_user: str | None) -> bool:
        return is_echo(self.fields, integration_user)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    organization_id: str
    action_id: str
    notifications: tuple[Notification, ...]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes, max_bytes: int = 1_000_000) -> OutboundMessage:
    if len(body) > max_bytes:
        raise MessageRejected("too-large", 413, "body too large")
    if not body.strip():
        raise MessageRejected("malformed", 400, "empty body")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MessageRejected(
            "forbidden-xml", 400, f"XML with a DTD or entities is refused ({type(exc).__name__})"
        ) from None
    except Exception:  # noqa: BLE001 - expat's ParseError and friends: all mean "not XML"
        raise MessageRejected("malformed", 400, "not well-formed XML") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise MessageRejected("malformed", 400, "not a SOAP envelope")
    notifications = root.find(f"{{{SOAP_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if notifications is None:
        raise MessageRejected("malformed", 400, "no outbound notifications in the SOAP body")
    org = (notifications.findtext(f"{{{OUTBOUND_NS}}}OrganizationId") or "").strip()
    if not ORG_ID.match(org):
        raise MessageRejected("malformed", 400, "missing or malformed OrganizationId")
    action = (notifications.findtext(f"{{{OUTBOUND_NS}}}ActionId") or "").strip()
    items = notifications.findall(f"{{{OUTBOUND_NS}}}Notification")
    if not items or len(items) > MAX_NOTIFICATIONS:
        raise MessageRejected(
            "malformed", 400, f"expected 1 to {MAX_NOTIFICATIONS} notifications, got {len(items)}"
        )
    out: list[Notification] = []
    for item in items:
        notification_id = (item.findtext(f"{{{OUTBOUND_NS}}}Id") or "").strip()
        sobject = item.find(f"{{{OUTBOUND_NS}}}sObject")
        if not notification_id or sobject is None:
            raise MessageRejected("malformed", 400, "a notification without Id or sObject")
        if not RECORD_ID.match(notification_id):
            raise MessageRejected(
                "malformed", 400, f"a notification Id is not a Salesforce id: {notification_id[:40]!r}"
            )
        type_name = (sobject.get(f"{{{XSI_NS}}}type") or "").split(":")[-1]
        if type_name not in OBJECTS:
            raise MessageRejected(
                "unsupported-object", 400, f"leadq does not score {type_name or 'this object'}"
            )
        values = {_local(child.tag): (child.text or "").strip() for child in sobject}
        record_id = values.get("Id", "")
        if not RECORD_ID.match(record_id):
            raise MessageRejected("malformed", 400, "a notification without a valid record Id")
        if values.get("SystemModstamp"):
            try:
                canonical_stamp(values["SystemModstamp"])
            except ValueError:
                raise MessageRejected(
                    "malformed", 400, f"SystemModstamp is not a date-time: {values['SystemModstamp'][:40]!r}"
                ) from None
        out.append(Notification(notification_id, OBJECTS[type_name], record_id, values))
    return OutboundMessage(org, action, tuple(out))
