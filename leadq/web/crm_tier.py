"""What the CRM shows of a lead when a person set its tier over leadq's: the person's tier and the
verdict leadq wrote to go with it (scoring.person_tier), read back from what leadq last wrote (the
summary line of its reasons field names a tier a person set). The lead page and the Leads list show
it beside leadq's own score, so nobody reads "L1, Sales-ready" for a lead the CRM shows as L4."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scoring.person_tier import said_in
from storage.stamps import aware


class Written(Protocol):
    """One field leadq wrote (a ledger entry)."""

    object_type: str
    record_id: str
    field_key: str
    value: str | None
    written_at: datetime


FIELDS = ("leadq_reasons", "leadq_verdict")


@dataclass(frozen=True, slots=True)
class InTheCrm:
    tier: str
    verdict: str  # the stored value leadq wrote ("nurture"); "" if it wrote none
    since: datetime | None  # when leadq wrote it


def in_the_crm(entries: Iterable[Written]) -> dict[tuple[str, str], InTheCrm]:
    """Per record (object type, id): the tier a person set, where what leadq last wrote says one."""
    by_record: dict[tuple[str, str], dict[str, Written]] = {}
    for entry in entries:
        by_record.setdefault((entry.object_type, entry.record_id), {})[entry.field_key] = entry
    shown: dict[tuple[str, str], InTheCrm] = {}
    for key, fields in by_record.items():
        reasons = fields.get("leadq_reasons")
        tier = said_in(reasons.value) if reasons is not None else None
        if tier is None or reasons is None:  # (both: for the type checker)
            continue
        verdict = fields.get("leadq_verdict")
        shown[key] = InTheCrm(tier.value, (verdict.value or "") if verdict else "", aware(reasons.written_at))
    return shown
