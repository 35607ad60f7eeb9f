"""A ``MonitorReport``'s numbers said for people, and the shapes its sections are said in (``Fact``,
``Table``, ``Section``; ``monitor_sections`` fills them). The admin page (``admin_monitor``) and
``leadq monitor`` both print these, so the page and the terminal say the same numbers in the same
words: percentages with one decimal, times in minutes, hours or days, months as "December 2026", and
words ("no outcomes yet", "no cap") where a number is missing, never None or nan. (``--json`` keeps
the report's machine forms: "2026-12", null.)"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from monitoring.report import Rate

TIERS = ("L1", "L2", "L3", "L4")
NO_OUTCOMES = "no outcomes yet"
NO_DATA = "no data yet"
NO_CAP = "no cap"  # a rep without a cap: "none" read as a cap of zero


@dataclass(frozen=True)
class Fact:
    key: str  # a stable id (the page's element id, the tests' handle)
    label: str
    value: str
    meaning: str
    warn: bool = False  # worth a look


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    meaning: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    empty: str = NO_DATA  # said instead of an empty table
    numeric_from: int = 1  # columns from this one are numbers (right-aligned)
    warn_rows: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    facts: list[Fact]
    tables: list[Table]
    lines: list[str] = field(default_factory=list)  # sentences said under the facts


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, none: str = NO_OUTCOMES) -> str:
    """0.1234 -> "12.3%"."""
    return none if missing(value) else f"{100 * value:.1f}%"  # type: ignore[operator]


def points(value: float | None, none: str = NO_DATA) -> str:
    """A signed difference of shares, in percentage points: 0.031 -> "+3.1 pts" (never "-0.0")."""
    if missing(value):
        return none
    shown = round(100 * value, 1) + 0.0  # type: ignore[operator]
    return f"{shown if shown else 0.0:+.1f} pts"


def rate_text(r: Rate | None, empty: str = "no leads", decided: int | None = None) -> str:
    """ "12.0% (8 of 67; 9.1-15.8%)": the rate, what it counts and its 95% interval; ``empty`` when
    nothing was counted, "no outcomes yet" when none of them was won or lost yet (``decided`` 0)."""
    if r is None or r.n == 0:
        return empty
    if decided == 0 or missing(r.rate):
        return NO_OUTCOMES
    counted = f"{r.hits:,} of {r.n:,}"
    if missing(r.low) or missing(r.high):
        return f"{pct(r.rate)} ({counted})"
    return f"{pct(r.rate)} ({counted}; {100 * r.low:.1f}-{pct(r.high)})"  # type: ignore[operator]


def rep_text(name: str | None, owner_id: str) -> str:
    """A rep said by their name; their owner id only when the name is missing."""
    return name.strip() if name and name.strip() else owner_id


def cap_text(cap: int | None) -> str:
    """A rep's cap on open leads or weekly assignments: "40", or "no cap" when none is set."""
    return NO_CAP if cap is None else count(cap)


MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_text(label: str, short: bool = False) -> str:
    """A cohort month for people: "2026-12" -> "December 2026" ("Dec 2026" when ``short``); anything
    that is not such a month as it is."""
    m = MONTH.fullmatch(label.strip())
    if m is None or not 1 <= int(m[2]) <= 12:
        return label
    return f"{date(int(m[1]), int(m[2]), 1):{'%b' if short else '%B'} %Y}"


ISO_WEEK = re.compile(r"\b(\d{4})-W(\d{2})\b")


def week_start(label: str) -> date | None:
    """The Monday of an ISO week label ("2026-W49" -> 2026-11-30), None for anything else."""
    m = ISO_WEEK.fullmatch(label.strip())
    if m is None:
        return None
    try:
        return date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        return None


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def weeks_text(text: str) -> str:
    """Every ISO week label in ``text`` said for people: "2026-W49" -> "week of 30 Nov 2026"."""

    def said(m: re.Match[str]) -> str:
        start = week_start(m[0])
        return f"week of {day_text(start)}" if start else m[0]

    return ISO_WEEK.sub(said, text)


@dataclass(frozen=True)
class Weeks:
    """The one notion of a week the monitoring page uses: full weeks, Monday to Sunday (UTC). The
    drift figures are of the newest full week; this week's leads count once it is over."""

    newest_full: date  # the Monday of the newest full week
    this_week: date  # the Monday of the week under way
    full_on: date  # when this week is full, so its leads count

    @classmethod
    def at(cls, now: datetime) -> Weeks:
        this_week = now.date() - timedelta(days=now.weekday())
        return cls(this_week - timedelta(days=7), this_week, this_week + timedelta(days=7))

    def label(self, week: str = "") -> str:
        """ "the newest full week (week of 23 Nov 2026)", or the week ``week`` names when it is an
        older one (the newest full week with samples)."""
        start = week_start(week) if week else None
        if start is None or start == self.newest_full:
            return f"the newest full week (week of {day_text(self.newest_full)})"
        return f"the week of {day_text(start)} (the newest full week with leads to compare)"

    def why_not_yet(self) -> str:
        """Why this week's leads are not in a weekly figure yet, and when they are."""
        return (
            f"Leads scored this week (since {day_text(self.this_week)}) count here from "
            f"{day_text(self.full_on)}, when their week is full."
        )


def minutes_text(value: float | None) -> str:
    """A duration for people: "45 s", "14 min", "2.5 h", "3.1 days"."""
    if missing(value):
        return NO_DATA
    m = float(value)  # type: ignore[arg-type]
    if m < 1:
        return f"{m * 60:.0f} s"
    if m < 10:
        return f"{m:.1f} min"
    if m < 90:
        return f"{m:.0f} min"
    if m < 48 * 60:
        return f"{m / 60:.1f} h"
    return f"{m / 1440:.1f} days"


def psi_text(value: float | None, none: str = "not enough scores yet") -> str:
    """A population stability index with its usual reading (under 0.1 stable, over 0.25 a major shift)."""
    if missing(value):
        return none
    v = float(value)  # type: ignore[arg-type]
    reading = "stable" if v < 0.1 else "a moderate shift" if v < 0.25 else "a major shift"
    return f"{v:.2f} ({reading})"


def count(n: int) -> str:
    return f"{n:,}"


def tiers_of(keys: Sequence[str]) -> list[str]:
    """L1-L4 first, then any other tier the report names."""
    return [t for t in TIERS if t in keys] + sorted(k for k in keys if k not in TIERS)
