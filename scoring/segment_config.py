"""Segment models, as the admin sets them: the ICP's ``[segments]`` table, and what a segment is.

A segment is a group of leads that may convert for different reasons than the rest: leads at small
companies buy on engagement, enterprises on the buyer's seniority. When a segment has enough outcomes
(``min_outcomes``, of which ``min_wins`` won and as many lost, counted before the held-out window),
leadq fits a model on that segment alone and keeps it only where it ranks the segment's held-out
outcomes better than the global model (``scoring.segment_fit``).

``by`` says what cuts leads into segments:
- "company_size": the company-size bands of the calibration checks (``scoring.calibration``: under
  200, 200-999, 1,000+ employees, and "company size not known");
- "country": the lead's country (its ISO code), with "country not given" as a segment of its own;
- "none": no segment models.

``segment_key`` gives a model row's segment; it reads only the row, so a stored segmented model
finds each lead's segment without the ICP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.config_text import Problems
from scoring.calibration import SIZE_UNKNOWN, size_band

COMPANY_SIZE, COUNTRY, NONE = "company_size", "country", "none"
BY_OPTIONS = (COMPANY_SIZE, COUNTRY, NONE)
COUNTRY_UNKNOWN = "country not given"
KEY = "segments"
MAX_COUNT = 10_000_000  # no installation has this many outcomes in one segment


@dataclass(frozen=True, slots=True)
class SegmentConfig:
    """The ICP's ``[segments]`` table."""

    by: str = COMPANY_SIZE
    min_outcomes: int = 400  # outcomes a segment needs before the held-out window to get its own model
    min_wins: int = 40  # of which at least this many won and this many lost

    @property
    def on(self) -> bool:
        return self.by != NONE


def segment_key(by: str, row: Mapping[str, Any]) -> str:
    """The segment of a model row (``PersonFeatures.model_row``), by ``by``."""
    if by == COMPANY_SIZE:
        return size_band(row.get("employees"))
    if by == COUNTRY:
        value = row.get("country")
        return str(value) if value not in (None, "") else COUNTRY_UNKNOWN
    raise ValueError(f"unknown segment kind {by!r}: one of {', '.join(BY_OPTIONS)}")


def segment_words(by: str, key: str) -> str:
    """A segment as a noun phrase for a rep or an admin: "mid-size companies (200-999 employees)",
    "leads based in DE", "leads whose company size is not known"."""
    if by == COMPANY_SIZE:
        return "leads whose company size is not known" if key == SIZE_UNKNOWN else key
    if key == COUNTRY_UNKNOWN:
        return "leads with no country given"
    return f"leads based in {key}"


BY_WORDS = {COMPANY_SIZE: "company size", COUNTRY: "country", NONE: "none"}


def _count(raw: Mapping[str, Any], name: str, low: int, problems: Problems) -> int | None:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_COUNT:
        problems.add(f"{KEY}.{name}", f"must be a whole number from {low:,} to {MAX_COUNT:,}, got {value!r}")
        return None
    return value


def parse(raw: Any, problems: Problems) -> SegmentConfig:
    """The ICP's ``[segments]`` table (merged over the shipped default, so every key is there); each
    problem noted with its key."""
    if not isinstance(raw, dict):
        problems.add(KEY, "must be a table ([segments]) with by, min_outcomes and min_wins")
        return SegmentConfig()
    by = raw.get("by")
    if not isinstance(by, str) or by.strip().lower() not in BY_OPTIONS:
        problems.add(f"{KEY}.by", f"must be one of {', '.join(repr(b) for b in BY_OPTIONS)}, got {by!r}")
        by = NONE
    outcomes = _count(raw, "min_outcomes", 1, problems)
    wins = _count(raw, "min_wins", 1, problems)
    if outcomes is not None and wins is not None and 2 * wins > outcomes:
        problems.add(
            f"{KEY}.min_wins",
            f"{wins:,} won and {wins:,} lost cannot fit in min_outcomes = {outcomes:,}: "
            f"at most {outcomes // 2:,}",
        )
    default = SegmentConfig()
    return SegmentConfig(
        by=str(by).strip().lower(),
        min_outcomes=default.min_outcomes if outcomes is None else outcomes,
        min_wins=default.min_wins if wins is None else wins,
    )
