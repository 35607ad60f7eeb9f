"""One form for a ``SystemModstamp``, however it reached leadq.

Outbound messages carry SOAP date-times (``2026-12-02T14:45:00.000Z``); SOQL and REST answer
``2026-12-02T14:45:00.000+0000``. The dedupe key of a change is built from the canonical form, so
a record version seen by an outbound message and by the poll is one change, processed once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from core.records import ObjectType

STAMP = re.compile(
    r"^(?P<local>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)


def canonical_stamp(value: str) -> str:
    """``value`` in UTC with milliseconds and a ``Z``: ``2026-12-02T14:45:00.000Z``.

    A stamp without a zone is taken as UTC (Salesforce stores date-times in UTC). Raises
    ``ValueError`` with the value for anything that is not a date-time with seconds.
    """
    text = value.strip() if isinstance(value, str) else ""
    match = STAMP.match(text)
    if match is None:
        raise ValueError(f"not a Salesforce date-time: {value!r}")
    zone = match["zone"] or "+00:00"
    if zone == "Z":
        zone = "+00:00"
    elif ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        parsed = datetime.fromisoformat(match["local"] + zone)
    except ValueError:
        raise ValueError(f"not a Salesforce date-time: {value!r}") from None
    utc = parsed.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def change_key(object_type: ObjectType, record_id: str, stamp: str) -> str:
    """The dedupe key of one version of a record, shared by outbound messages and the poll (a record
    read without a stamp has the key with an empty stamp)."""
    return f"sf:{object_type.value}:{record_id}:{canonical_stamp(stamp) if stamp else ''}"
