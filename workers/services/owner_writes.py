"""Write a batch so that a refused owner never blocks a record's other fields.

The owner travels in the same record update as the scores; when the CRM refuses the owner (HubSpot
``INVALID_OWNER_ID`` for an archived or unknown owner; Salesforce ``INACTIVE_OWNER_OR_USER``), the
whole record is refused. Those records are sent again without the owner: the scores, tier and verdict
land, and the owner alone is reported as failed (reason ``owner-refused``, with the CRM's message), so
it becomes a dead letter and the ledger never records it as written.
"""

from __future__ import annotations

from collections.abc import Sequence

from connector.base import CrmAdapter, RecordError, WriteReport
from core.records import FieldUpdate, RecordRef

OWNER_REFUSED = "owner-refused"
OWNER_CODES = ("INVALID_OWNER_ID", "INACTIVE_OWNER_OR_USER")  # HubSpot, Salesforce


def owner_refusal_message(owner_id: str, crm_message: str) -> str:
    """The dead letter's message: the owner id first (``assignment_health`` reads it back)."""
    return f"owner {owner_id}: {crm_message}"


def _refused_owner(error: RecordError, owner_update: FieldUpdate | None, owner_key: str) -> bool:
    """The CRM refused this record because of its owner: the error names the owner field (a record
    that is gone names none) or carries the CRM's owner code."""
    if owner_update is None or error.reason == OWNER_REFUSED:
        return False
    return owner_key in error.message or any(code in error.message for code in OWNER_CODES)


def write_keeping_fields(adapter: CrmAdapter, updates: Sequence[FieldUpdate]) -> WriteReport:
    """``adapter.write(updates)``; records refused because of their owner are written again without it."""
    first: WriteReport = adapter.write(updates)
    if not first.failed:
        return first
    owner_key = adapter.owner_field
    owner_of = {u.ref: u for u in updates if u.key == owner_key and u.value}
    refused = [e for e in first.failed if _refused_owner(e, owner_of.get(e.ref), owner_key)]
    if not refused:
        return first
    refs = {e.ref for e in refused}
    again = [u for u in updates if u.ref in refs and u.key != owner_key]
    second: WriteReport = adapter.write(again) if again else WriteReport()
    still_failing = {e.ref for e in second.failed}
    owner_failures = tuple(
        RecordError(e.ref, OWNER_REFUSED, owner_refusal_message(str(owner_of[e.ref].value), e.message))
        for e in refused
        if e.ref not in still_failing
    )
    others = tuple(e for e in first.failed if e.ref not in refs)
    return WriteReport(
        first.written + second.written,
        others + tuple(second.failed) + owner_failures,
        first.api_calls + second.api_calls,
    )


def refused_owners(report: WriteReport | None) -> set[RecordRef]:
    """The records whose owner the CRM refused in this write."""
    return {e.ref for e in report.failed if e.reason == OWNER_REFUSED} if report else set()
