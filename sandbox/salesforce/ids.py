"""Salesforce record ids: a 3-character key prefix, 12 more characters, and the 3-character suffix
that makes the 18-character form case-insensitive (computed as Salesforce does)."""

from __future__ import annotations

import itertools
import threading

PREFIX = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "User": "005",
    "Organization": "00D",
    "PermissionSet": "0PS",
    "FieldPermissions": "01k",
    "PermissionSetAssignment": "0Pa",
    "CustomField": "00N",
    "LeadHistory": "017",
    "ContactHistory": "017",
    "AccountHistory": "017",
    "OutboundMessage": "04k",
    "Notification": "04l",
}
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def suffix(id15: str) -> str:
    out = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if ch.isupper())
        out += _SUFFIX[bits]
    return out


def to18(id15: str) -> str:
    return id15 if len(id15) == 18 else id15 + suffix(id15)


class IdMaker:
    """Sequential ids per prefix, unique within one sandbox."""

    def __init__(self, pod: str = "5g") -> None:
        self.pod = pod
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def new(self, sobject: str) -> str:
        prefix = PREFIX.get(sobject, "a0A")
        with self._lock:
            n = next(self._counters.setdefault(prefix, itertools.count(1)))
        body = ""
        for _ in range(10):
            n, rem = divmod(n, 62)
            body = _ALPHABET[rem] + body
        return to18(prefix + self.pod + body)
