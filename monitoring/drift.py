"""Drift of the score: the priority distribution's population stability this week against last week
and against the training window (ten fixed bins over priority 0-100), the weekly share of L1+L2
with the conversion of each week's cohort, and tier inflation; the inputs' drift (``input_drift``)
joins them into the report's section.

"This week" is the newest full ISO week (Monday 00:00 UTC to the next), the one before ``now``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from monitoring.frames import OPEN, WON, MonitorInput, ScoredLeads, ScoreStream
from monitoring.input_drift import input_drift, is_training
from monitoring.report import Drift
from monitoring.stats import psi
from monitoring.timeline import as_utc64, week_index, week_label, week_of

SCORE_BINS = 10  # priority 0-10, 10-20, ..., 90-100 (100 in the last)
WEEKS_SHOWN = 52  # the weekly series' length at most
INFLATION_WEEKS = 4
# L1+L2's share must rise by more than this (absolute, 0.05 = 5 points) over the last four weeks,
# and by more than twice its standard error, to count as rising; ``extra["tier_inflation_margin"]``
# overrides the margin.
INFLATION_MARGIN = 0.05
# Conversion "rose with it" when its relative rise is at least this part of the share's relative rise.
CONVERSION_FOLLOWS = 0.5
WeekRow = tuple[str, float, float | None]


def score_counts(priority: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Counts over the ten fixed priority bins (nan left out)."""
    p = priority[~np.isnan(priority)]
    return np.bincount(np.clip((p // 10).astype(np.int64), 0, SCORE_BINS - 1), minlength=SCORE_BINS)


@dataclass(frozen=True)
class WeeklyTiers:
    weeks: npt.NDArray[np.int64]  # week numbers with scores, oldest first
    scores: npt.NDArray[np.int64]  # scores written that week
    top: npt.NDArray[np.int64]  # of them L1 or L2
    won: npt.NDArray[np.int64]  # the week's cohort: decided, honest outcomes won
    decided: npt.NDArray[np.int64]  # ... decided

    def rows(self) -> list[WeekRow]:
        out: list[WeekRow] = []
        for i, week in enumerate(self.weeks):
            conversion = float(self.won[i] / self.decided[i]) if self.decided[i] else None
            out.append((week_label(int(week)), float(self.top[i] / self.scores[i]), conversion))
        return out


def weekly_tiers(
    stream: ScoreStream, leads: ScoredLeads, newest: int, scored_week: npt.NDArray[np.int64]
) -> WeeklyTiers:
    """Per full week up to ``newest`` (the last ``WEEKS_SHOWN`` with scores): the scores written and
    the L1+L2 among them; and of the records first scored that week, the decided outcomes the model
    had not seen and the wins among them (conversion among decided records, so a young week is not
    read as a fall)."""
    first = newest - WEEKS_SHOWN + 1
    keep = (scored_week >= first) & (scored_week <= newest)
    offset = scored_week[keep] - first
    scores = np.bincount(offset, minlength=WEEKS_SHOWN)
    top = np.bincount(offset[stream.tier[keep] <= 2], minlength=WEEKS_SHOWN)
    cohort_week = week_index(leads.cohort)
    decided = (leads.outcome != OPEN) & leads.unseen & (cohort_week >= first) & (cohort_week <= newest)
    lead_offset = cohort_week[decided] - first
    decided_n = np.bincount(lead_offset, minlength=WEEKS_SHOWN)
    won_n = np.bincount(lead_offset[leads.outcome[decided] == WON], minlength=WEEKS_SHOWN)
    has = scores > 0
    weeks = np.arange(first, newest + 1)[has]
    return WeeklyTiers(weeks, scores[has], top[has], won_n[has], decided_n[has])


def tier_inflation(weekly: WeeklyTiers, newest: int, margin: float, notes: list[str]) -> bool:
    """True when L1+L2's share of the scores rose from four weeks back to this week by more than
    ``margin`` and by more than twice its standard error, while the conversion of the weeks' cohorts
    did not rise with it (its relative rise under half the share's, or not known yet)."""
    start = newest - INFLATION_WEEKS + 1
    at = {int(w): i for i, w in enumerate(weekly.weeks)}
    if start not in at or newest not in at:
        notes.append(
            f"tier inflation is undefined: it needs scores in each of the last {INFLATION_WEEKS} full weeks"
        )
        return False
    a, b = at[start], at[newest]
    p0, p1 = weekly.top[a] / weekly.scores[a], weekly.top[b] / weekly.scores[b]
    rise = p1 - p0
    error = np.sqrt(p0 * (1 - p0) / weekly.scores[a] + p1 * (1 - p1) / weekly.scores[b])
    if rise <= margin or rise <= 2 * error:
        return False
    c0 = weekly.won[a] / weekly.decided[a] if weekly.decided[a] else None
    c1 = weekly.won[b] / weekly.decided[b] if weekly.decided[b] else None
    if c0 is None or c1 is None or c0 == 0:
        notes.append(
            f"L1+L2 rose from {p0:.0%} to {p1:.0%} over the last {INFLATION_WEEKS} weeks and the conversion "
            "of those weeks is not known yet: counted as tier inflation"
        )
        return True
    return bool((c1 - c0) / c0 < CONVERSION_FOLLOWS * rise / p0)


def _training_window(data: MonitorInput) -> tuple[np.datetime64, np.datetime64] | None:
    for sample in data.inputs:
        if is_training(sample):
            return as_utc64(sample.start), as_utc64(sample.end)
    return None


def score_psi(
    data: MonitorInput, scored_week: npt.NDArray[np.int64], newest: int, notes: list[str]
) -> tuple[float | None, float | None]:
    stream = data.stream
    this_week = score_counts(stream.priority[scored_week == newest])
    last_week = score_counts(stream.priority[scored_week == newest - 1])
    week_psi = psi(last_week, this_week)
    if week_psi is None:
        notes.append(
            f"score drift week over week is undefined: {week_label(newest - 1)} or {week_label(newest)} "
            "has no scores"
        )
    window = _training_window(data)
    if window is None:
        notes.append("score drift against the training window is undefined: no model has been trained")
        return week_psi, None
    inside = (stream.scored_at >= window[0]) & (stream.scored_at < window[1])
    if not inside.any():  # a model trained on the CRM's history before go-live: no scores in its window
        earlier = scored_week[scored_week < newest]
        if earlier.size:
            first = int(earlier.min())
            inside = scored_week == first
            notes.append(
                "score drift against the training window is measured against "
                f"{week_label(first)}, the first week leadq scored: the training window predates "
                "leadq's scores"
            )
    training_psi = psi(score_counts(stream.priority[inside]), this_week)
    if training_psi is None:
        notes.append(
            "score drift against the training window is undefined: "
            "no scores written in that window or this week"
        )
    return week_psi, training_psi


def drift(data: MonitorInput, notes: list[str]) -> Drift:
    newest = week_of(data.now) - 1
    scored_week = week_index(data.stream.scored_at)
    week_psi, training_psi = score_psi(data, scored_week, newest, notes)
    reference, current, shifts, missing = input_drift(data.inputs, data.now, notes)
    weekly = weekly_tiers(data.stream, data.leads, newest, scored_week)
    margin = data.extra.get("tier_inflation_margin", INFLATION_MARGIN)
    inflation = tier_inflation(
        weekly, newest, float(margin) if isinstance(margin, int | float) else INFLATION_MARGIN, notes
    )
    return Drift(
        reference=reference,
        current=current or week_label(newest),
        score_psi_week=week_psi,
        score_psi_training=training_psi,
        features=shifts,
        top_moved=[s for s in shifts if s.psi > 0][:3],
        missing_rates=missing,
        weekly_share_l1l2=weekly.rows(),
        tier_inflation=inflation,
    )
