"""The race check's pure parts: which writes are checked, and which replaced values are lost edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.records import CrmKind, FieldState, FieldUpdate, ObjectType, Person, RecordRef, WrittenBy
from workers.services.guard import find_lost_edits, to_check

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _person(record_id: str, changed: datetime | str, **raw: str) -> Person:
    version = changed if isinstance(changed, str) else changed.isoformat()
    return Person(RecordRef(CrmKind.HUBSPOT, "1", ObjectType.CONTACT, record_id), version=version, raw=raw)


def test_only_recently_changed_records_and_editable_fields_are_checked() -> None:
    fresh = _person("1", NOW - timedelta(minutes=5))
    stale = _person("2", NOW - timedelta(days=3))
    odd = _person("3", "not a date")
    read = {p.ref: p for p in (fresh, stale, odd)}
    written = [
        FieldUpdate(fresh.ref, "leadq_tier", "L2"),
        FieldUpdate(fresh.ref, "leadq_scored_at", "2026-11-23"),
        FieldUpdate(stale.ref, "leadq_tier", "L2"),
        FieldUpdate(odd.ref, "leadq_tier", "L2"),
    ]
    checked = to_check(written, read, NOW, 3600)
    assert [(u.ref.record_id, u.key) for u in checked] == [("1", "leadq_tier"), ("3", "leadq_tier")]
    assert to_check(written, read, NOW, 0) == []  # 0 turns the check off
    assert len(to_check(written, read, NOW, 7 * 86_400)) == 3


def test_a_replaced_value_other_than_the_one_read_is_a_lost_edit() -> None:
    person = _person("1", NOW, leadq_tier="L3", hubspot_owner_id="", leadq_fit_score="80")
    ref = person.ref
    writes = [
        FieldUpdate(ref, "leadq_tier", "L2"),
        FieldUpdate(ref, "hubspot_owner_id", "7"),
        FieldUpdate(ref, "leadq_fit_score", "81"),
    ]
    replaced = {
        (ref, "leadq_tier"): FieldState("L1", WrittenBy.USER),  # set after leadq's read: lost
        (ref, "hubspot_owner_id"): FieldState(None, WrittenBy.UNKNOWN),  # empty, as read: fine
        (ref, "leadq_fit_score"): FieldState("80.0", WrittenBy.LEADQ),  # leadq's own earlier value
    }
    lost = find_lost_edits(writes, {ref: person}, replaced)
    assert [(e.update.key, e.human_value) for e in lost] == [("leadq_tier", "L1")]
    # A later edit by leadq itself (another task) is not a person's edit.
    replaced[(ref, "leadq_tier")] = FieldState("L1", WrittenBy.LEADQ)
    assert find_lost_edits(writes, {ref: person}, replaced) == []
