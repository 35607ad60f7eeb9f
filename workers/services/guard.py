"""The read-modify-write race: a person's edit that lands between leadq's read and its write.

The CRMs have no conditional batch write, so leadq checks afterwards: for records that were changed
recently when leadq read them (the ones people are working on; on the change path that is every
record), it asks the CRM what each of its writes replaced. A replaced value that differs from what
leadq read, set by anyone but leadq, is a person's edit that leadq's write hid: it is written back
at once and recorded as an override; the ledger keeps leadq's value, so from then on the CRM holds
something other than what leadq last wrote, which the write policy leaves alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.base import CrmAdapter, RecordError
from core.records import FieldState, FieldUpdate, Person, PipelineLead, RecordRef, WrittenBy, version_time

Read = Person | PipelineLead  # a record as leadq read it before writing (its version and raw fields)

log = logging.getLogger(__name__)
UNCHECKED = frozenset({"leadq_scored_at"})  # leadq's own timestamp: nobody edits it


@dataclass(frozen=True, slots=True)
class LostEdit:
    update: FieldUpdate  # leadq's write that hid the edit
    human_value: str | None  # the value written back


def _same(a: object, b: object) -> bool:
    left = "" if a is None else str(a).strip()
    right = "" if b is None else str(b).strip()
    if left == right:
        return True
    try:
        return float(left) == float(right)
    except ValueError:
        return False


def _recent(person: Read, now: datetime, window_s: float) -> bool:
    if window_s <= 0:
        return False
    changed = version_time(person.version)
    if changed is None:
        return True  # no readable stamp: check rather than guess
    return changed >= now - timedelta(seconds=window_s)


def to_check(
    written: Sequence[FieldUpdate], read: Mapping[RecordRef, Read], now: datetime, window_s: float
) -> list[FieldUpdate]:
    """The writes worth a history read: fields people edit, on records changed recently."""
    return [
        u for u in written if u.key not in UNCHECKED and u.ref in read and _recent(read[u.ref], now, window_s)
    ]


def find_lost_edits(
    checked: Sequence[FieldUpdate],
    read: Mapping[RecordRef, Read],
    replaced: Mapping[tuple[RecordRef, str], FieldState],
) -> list[LostEdit]:
    """Writes that replaced a value other than the one leadq read, set by someone else."""
    lost = []
    for update in checked:
        state = replaced.get((update.ref, update.key))
        if state is None or state.written_by == WrittenBy.LEADQ:
            continue
        if _same(state.value, read[update.ref].raw.get(update.key)):
            continue  # it replaced what leadq read: no edit in between
        lost.append(LostEdit(update, state.value))
    return lost


def restore(adapter: CrmAdapter, lost: Sequence[LostEdit]) -> tuple[RecordError, ...]:
    """Write the people's values back; returns the records the CRM refused."""
    if not lost:
        return ()
    updates = [FieldUpdate(e.update.ref, e.update.key, e.human_value) for e in lost]
    report = adapter.write(updates)
    for edit in lost:
        log.warning(
            "sync.guard.restored",
            extra={
                "record": edit.update.ref.record_id,
                "field": edit.update.key,
                "object": edit.update.ref.object_type.value,
            },
        )
    return tuple(report.failed)
