"""Why the CRM refused a record, as a cause shared by many records: pure text work, no I/O.

A dead letter carries the adapter's reason code and the CRM's message. The adapters write that
message in one of two shapes, one part per refused field, parts joined by ``"; "``:

* HubSpot: ``hubspot_owner_id: INVALID_OWNER_ID (60071397 is not a valid owner id)``
  (field, the CRM's error code, the CRM's own words; older rows lack the words);
* Salesforce: ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Tier: bad value for restricted picklist
  field: L9 (leadq_tier__c)`` (error code, the CRM's words, the fields it names).

The cause of a record is its reason plus, per part, the field, the code and the CRM's words with
record-specific parts (numbers, ids, e-mail addresses, quoted values) replaced by placeholders, so
330 records refused for the same inactive owner share one cause. The values behind the
placeholders are kept: where every record of a group has the same one (the owner's id), the
group's text shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDER = "<value>"
_HUBSPOT_PART = re.compile(r"^(?P<field>[A-Za-z_][\w.]*): (?P<code>[A-Z][A-Z0-9_]+)(?: \((?P<text>.*)\))?$")
_SALESFORCE_PART = re.compile(
    r"^(?P<code>[A-Z][A-Z0-9_]+): (?P<text>.*?)(?: \((?P<fields>[\w.]+(?:, [\w.]+)*)\))?$"
)
# A message is read token by token: a quoted value, or a run of word characters (with the dots,
# pluses, hyphens and at-signs of numbers, ids and e-mail addresses). A token is record-specific
# when it is quoted, has a digit in it (ids, numbers, values such as L9), is an e-mail address,
# or is a value leadq sent to the record.
_TOKEN = re.compile(r"\"[^\"]*\"|'[^']*'|[\w.+@-]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

OWNER_FIELDS = frozenset({"hubspot_owner_id", "ownerid"})
OWNER_CODES = frozenset({"INVALID_OWNER_ID", "INACTIVE_OWNER_OR_USER"})
FIELD_CODES = frozenset(
    {
        "PROPERTY_DOESNT_EXIST",  # HubSpot: leadq's property was deleted or never created
        "READ_ONLY_VALUE",
        "INVALID_OPTION",  # HubSpot: a picklist value the property does not offer
        "INVALID_FIELD",  # Salesforce: no such field, or not visible to leadq's user
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    }
)
REQUIRED_CODES = frozenset({"REQUIRED_FIELD_MISSING", "FIELD_CUSTOM_VALIDATION_EXCEPTION"})
FIX_OWNER = (
    "retrying will not fix this: fix the routing configuration (the owner is not an active user in the CRM)"
)
FIX_FIELDS = (
    "retrying will not fix this: re-provision leadq's fields (install leadq again) "
    "or restore the field's options"
)
FIX_REQUIRED = (
    "retrying will not fix this: the CRM requires a value leadq does not write; fill it in the CRM "
    "or relax the rule"
)


@dataclass(frozen=True, slots=True)
class Part:
    """One refused field (or the whole record where the CRM named none)."""

    field: str | None
    code: str
    template: str  # the CRM's words with record-specific parts replaced by PLACEHOLDER
    values: tuple[str, ...]  # what the placeholders stood for, in order


@dataclass(frozen=True, slots=True)
class Cause:
    reason: str
    parts: tuple[Part, ...]

    @property
    def key(self) -> tuple[object, ...]:
        """What records must share to be in one group (the values behind placeholders may differ)."""
        return (self.reason, tuple((p.field, p.code, p.template) for p in self.parts))

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v for p in self.parts for v in p.values)


def normalise(text: str, record_id: str = "", sent: Iterable[str] = ()) -> tuple[str, tuple[str, ...]]:
    """The text with its record-specific parts replaced by PLACEHOLDER, and the parts replaced.

    ``sent`` holds the values leadq wrote to the record: the CRM often quotes the refused one
    (``sales_ready was not one of the allowed options``), which makes it record-specific too.
    """
    values: list[str] = []
    words = set(sent)

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token[0] in "\"'":
            values.append(token[1:-1])
            return PLACEHOLDER
        core = token.rstrip(".-")  # a sentence's full stop is not part of the value
        if core and (core in words or _EMAIL.fullmatch(core) or any(c.isdigit() for c in core)):
            values.append(core)
            return PLACEHOLDER + token[len(core) :]
        return token

    if record_id:
        text = text.replace(record_id, "\0")
    text = _TOKEN.sub(swap, text).replace("\0", "<record>")
    if record_id:
        values = [v.replace("\0", record_id) for v in values]  # an id inside a quoted value
    return " ".join(text.split()), tuple(values)


def _sent_to(field: str | None, sent: Mapping[str, str]) -> list[str]:
    """The values leadq sent to this field (by leadq's key or the CRM's name); every value sent
    when the CRM named no field it recognisably matches."""
    if field:
        names = {f.strip().lower() for f in field.split(",")}
        mine = [v for k, v in sent.items() if k.lower() in names or f"{k.lower()}__c" in names]
        if mine:
            return mine
    return list(sent.values())


def _part(raw: str, reason: str, sent: Mapping[str, str]) -> Part:
    raw = raw.strip()
    match = _HUBSPOT_PART.match(raw)
    if match:
        template, values = normalise(match["text"] or "", "", _sent_to(match["field"], sent))
        return Part(match["field"], match["code"], template, values)
    match = _SALESFORCE_PART.match(raw)
    if match:
        template, values = normalise(match["text"], "", _sent_to(match["fields"], sent))
        return Part(match["fields"], match["code"], template, values)
    template, values = normalise(raw, "", _sent_to(None, sent))
    return Part(None, reason.upper(), template, values)


def cause_of(
    reason: str, message: str, record_id: str = "", sent: Mapping[str, object] | None = None
) -> Cause:
    """The cause of one dead letter, from the adapter's reason, the CRM's message and the values
    leadq sent (the dead letter's payload, field key -> value)."""
    # The owner alone refused (the record's other fields were written): "owner <id>: <CRM's words>".
    owner_prefix = re.match(r"owner \S+: (?=\S+: )", message) if "owner" in reason else None
    message = message[owner_prefix.end() :] if owner_prefix else message
    masked = message.replace(record_id, "\0") if record_id else message
    relevant = tuple(
        sorted((k, str(v)) for k, v in (sent or {}).items() if v is not None and 0 < len(str(v)) <= 100)
    )
    cause = _cause(reason, masked, tuple((k, v) for k, v in relevant if v in masked))
    if "\0" not in masked:
        return cause
    parts = tuple(  # the record's own id inside a value: give it back
        Part(p.field, p.code, p.template, tuple(v.replace("\0", record_id) for v in p.values))
        for p in cause.parts
    )
    return Cause(reason, parts)


@lru_cache(maxsize=4096)  # many records share one message: 330 refusals of one owner parse once
def _cause(reason: str, masked: str, sent: tuple[tuple[str, str], ...]) -> Cause:
    values = dict(sent)
    parts = tuple(_part(p, reason, values) for p in masked.split("; ") if p.strip()) or (
        Part(None, reason.upper(), "", ()),
    )
    return Cause(reason, parts)


def describe(cause: Cause, shared: Sequence[str | None]) -> str:
    """The cause as a person reads it; ``shared`` holds, per placeholder, the value every record of
    the group has (None where the records differ)."""
    fills = iter(shared)
    out = []
    for part in cause.parts:
        text = re.sub(re.escape(PLACEHOLDER), lambda _m: next(fills, None) or PLACEHOLDER, part.template)
        head = " ".join(x for x in (part.field, part.code) if x)
        out.append(f"{head} ({text})" if text and head else head or text)
    return "; ".join(out)


def shared_values(causes: Sequence[Cause]) -> list[str | None]:
    """Per placeholder position: the value all these causes have there, or None where they differ."""
    if not causes:
        return []
    columns = zip(*(c.values for c in causes), strict=False)
    return [col[0] if len(set(col)) == 1 else None for col in columns]


def fix_hint(cause: Cause) -> str | None:
    """Why retrying cannot help (a configuration error), or None when a retry may succeed."""
    for part in cause.parts:
        fields = {f.strip().lower() for f in (part.field or "").split(",")}
        owner_code = part.code in OWNER_CODES or "OWNER" in part.code  # e.g. an adapter's "owner-refused"
        if owner_code or (fields & OWNER_FIELDS and part.code not in REQUIRED_CODES):
            return FIX_OWNER
    for part in cause.parts:
        if part.code in FIELD_CODES:
            return FIX_FIELDS
    for part in cause.parts:
        if part.code in REQUIRED_CODES:
            return FIX_REQUIRED
    return None
