"""Writing to HubSpot: batch updates at 100 records per call, a rejected batch split in halves until
the bad records are found, each reported with HubSpot's own words."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput

from connector.base import RecordError, WriteReport
from connector.errors import CrmValidationError
from connector.hubspot.client import OBJECTS, HubSpotCalls, api
from core.records import FieldUpdate, ObjectType, RecordRef

BATCH = 100


def write_updates(calls: HubSpotCalls, updates: Sequence[FieldUpdate]) -> WriteReport:
    """Batch update at 100 records per call; a rejected batch is split to find the bad records."""
    by_object: dict[ObjectType, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    refs: dict[tuple[ObjectType, str], RecordRef] = {}
    for update in updates:
        by_object[update.ref.object_type][update.ref.record_id][update.key] = (
            "" if update.value is None else str(update.value)
        )
        refs[(update.ref.object_type, update.ref.record_id)] = update.ref
    failed: list[RecordError] = []
    calls_before = calls.calls
    for obj, records in by_object.items():
        ids = list(records)
        for start in range(0, len(ids), BATCH):
            chunk = {i: records[i] for i in ids[start : start + BATCH]}
            failed.extend(_write_chunk(calls, obj, chunk, refs))
    failed_ids = {(e.ref.object_type, e.ref.record_id) for e in failed}
    written = tuple(u for u in updates if (u.ref.object_type, u.ref.record_id) not in failed_ids)
    return WriteReport(written, tuple(failed), calls.calls - calls_before)


def _write_chunk(
    calls: HubSpotCalls,
    obj: ObjectType,
    chunk: dict[str, dict[str, str]],
    refs: dict[tuple[ObjectType, str], RecordRef],
) -> list[RecordError]:
    name = OBJECTS[obj]
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=i, properties=p) for i, p in chunk.items()]
    )
    try:
        result = calls.call(lambda c: api(c, name).batch_api.update(request), what=f"update {name}")
    except CrmValidationError as exc:
        if len(chunk) == 1:
            record_id = next(iter(chunk))
            return [RecordError(refs[(obj, record_id)], "validation", validation_message(exc))]
        half = len(chunk) // 2
        items = list(chunk.items())
        return _write_chunk(calls, obj, dict(items[:half]), refs) + _write_chunk(
            calls, obj, dict(items[half:]), refs
        )
    errors = []
    for error in getattr(result, "errors", None) or []:
        data = error.to_dict() if hasattr(error, "to_dict") else dict(error)
        for record_id in (data.get("context") or {}).get("ids", []):
            if (obj, str(record_id)) in refs:
                errors.append(
                    RecordError(
                        refs[(obj, str(record_id))],
                        "not-found",
                        data.get("message") or "record not found",
                    )
                )
    return errors


def validation_message(exc: CrmValidationError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message: str = body.get("message", "")
        if "[" in message:
            try:
                items = json.loads(message[message.index("[") :])
                # field: CODE (HubSpot's own words), which storage.failure_causes groups by
                return "; ".join(
                    f"{i.get('name')}: {i.get('error')}" + (f" ({i['message']})" if i.get("message") else "")
                    for i in items
                )
            except (ValueError, AttributeError):
                pass
        return message[:300]
    return str(exc)[:300]
