"""Writing to Salesforce: sObject Collections at 200 records per call with ``allOrNone`` false, so one
bad record never blocks the others; each failure comes back as a RecordError with Salesforce's words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from connector.base import FieldSpec, RecordError, WriteReport
from connector.errors import CrmValidationError
from connector.salesforce.client import SalesforceCalls
from connector.salesforce.mapping import SOBJECT, api_name, to_api_value
from core.records import FieldUpdate, RecordRef

BATCH = 200  # sObject Collections' maximum
REASONS = {
    "CANNOT_UPDATE_CONVERTED_LEAD": "converted",
    "ENTITY_IS_DELETED": "not-found",
    "INVALID_CROSS_REFERENCE_KEY": "not-found",
    "UNABLE_TO_LOCK_ROW": "locked",
}


def write_updates(
    calls: SalesforceCalls, specs: Mapping[str, FieldSpec], updates: Sequence[FieldUpdate]
) -> WriteReport:
    """sObject Collections at 200 records per call, ``allOrNone`` false: one bad record never
    blocks the others; each failure comes back as a RecordError with Salesforce's message."""
    records: dict[RecordRef, dict[str, Any]] = defaultdict(dict)
    for update in updates:
        records[update.ref][api_name(update.key)] = to_api_value(specs.get(update.key), update.value)
    refs = list(records)
    failed: list[RecordError] = []
    calls_before = calls.calls
    for start in range(0, len(refs), BATCH):
        chunk = refs[start : start + BATCH]
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": SOBJECT[ref.object_type]}, "id": ref.record_id, **records[ref]}
                for ref in chunk
            ],
        }
        results = calls.call(
            lambda sf, b=body: sf.restful("composite/sobjects", method="PATCH", json=b),
            what="update records",
        )
        if not isinstance(results, list) or len(results) != len(chunk):
            raise CrmValidationError(
                "Salesforce answered a collection update with an unexpected body", body=results
            )
        for ref, result in zip(chunk, results, strict=True):
            if result.get("success"):
                continue
            errors = result.get("errors") or [{}]
            code = str(errors[0].get("statusCode") or "UNKNOWN")
            message = "; ".join(
                f"{e.get('statusCode')}: {e.get('message')}"
                + (f" ({', '.join(e['fields'])})" if e.get("fields") else "")
                for e in errors
            )
            failed.append(RecordError(ref, REASONS.get(code, "validation"), message[:500]))
    failed_refs = {e.ref for e in failed}
    written = tuple(u for u in updates if u.ref not in failed_refs)
    return WriteReport(written, tuple(failed), calls.calls - calls_before)
