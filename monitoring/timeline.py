"""Calendar arithmetic on ``datetime64[s]`` arrays, vectorised: ISO weeks (Monday 00:00 UTC to the
next Monday) and calendar months, their labels, and ``datetime`` to ``datetime64`` (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from monitoring.frames import Times

Ints = npt.NDArray[np.int64]
DAY_S = 86_400
WEEK_S = 7 * DAY_S
# 1970-01-01 was a Thursday: the Monday-based week of day d (days since the epoch) is (d + 3) // 7.
_EPOCH_TO_MONDAY_DAYS = 3
NO_WEEK = np.iinfo(np.int64).min  # the week of a missing time (NaT)


def as_utc64(moment: datetime) -> np.datetime64:
    """A ``datetime`` (aware, or naive meaning UTC) as ``datetime64[s]``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment.replace(microsecond=0), "s")


def as_naive_utc(moment: datetime) -> datetime:
    """A ``datetime`` in UTC without its zone (aware ones converted), to compare with any other."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def seconds(times: Times) -> npt.NDArray[np.float64]:
    """Seconds since the epoch as floats, nan where the time is missing."""
    t = np.asarray(times, dtype="datetime64[s]")
    out = t.astype(np.int64).astype(np.float64)
    out[np.isnat(t)] = np.nan
    return out


def week_index(times: Times) -> Ints:
    """The ISO week of each time as a number (consecutive weeks, consecutive numbers); ``NO_WEEK``
    where the time is missing."""
    t = np.asarray(times, dtype="datetime64[s]")
    days = t.astype("datetime64[D]").astype(np.int64)
    weeks = (days + _EPOCH_TO_MONDAY_DAYS) // 7
    weeks[np.isnat(t)] = NO_WEEK
    return weeks


def week_of(moment: datetime) -> int:
    """The week number (as ``week_index``) holding ``moment``."""
    return int(week_index(np.array([as_utc64(moment)]))[0])


def week_start(week: int) -> datetime:
    """The Monday 00:00 UTC (naive) that starts a week number."""
    return datetime(1970, 1, 1) + timedelta(days=week * 7 - _EPOCH_TO_MONDAY_DAYS)


def week_label(week: int) -> str:
    """'2026-W48': the ISO year and week."""
    year, number, _ = week_start(week).isocalendar()
    return f"{year}-W{number:02d}"


def month_index(times: Times) -> Ints:
    """Months since 1970-01 of each time (missing times give the int64 minimum)."""
    return np.asarray(times, dtype="datetime64[s]").astype("datetime64[M]").astype(np.int64)


def month_label(month: int) -> str:
    """'2026-11'."""
    return str(np.datetime64(month, "M"))
