"""One alarm condition found in a monitoring report, and the words and dates findings share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

DRIFT_KINDS = frozenset({"score_drift", "input_drift", "missing_rate"})


@dataclass(frozen=True)
class AlarmFinding:
    kind: str
    subject: str  # the feature, rep, pool/rep or "" (the installation)
    cause: str  # what moved, in words with the numbers
    since: datetime | None  # when the condition began (None: not known from the report)
    check_hint: str  # what to check
    details: Mapping[str, object] = field(default_factory=dict)

    @property
    def drift(self) -> bool:
        return self.kind in DRIFT_KINDS


def pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def week_start(label: str) -> datetime | None:
    """The Monday 00:00 UTC of an ISO week label ("2026-W48"); None for another label."""
    try:
        year, week = label.split("-W")
        return datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=UTC)
    except ValueError:
        return None


def month_start(label: str) -> datetime | None:
    try:
        return datetime.strptime(label, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        return None
