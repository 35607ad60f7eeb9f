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
from monitoring.report import Drift, Inflation, Note
from monitoring.stats import psi
from monitoring.timeline import as_utc64, week_index, week_label, week_of

SCORE_BINS = 10  # priority 0-10, 10-20, ..., 90-100 (100 in the last)
WEEKS_SHOWN = 52  # the weekly series' length at most
INFLATION_NOW, INFLATION_BEFORE = 2, 4  # the newest two full weeks against the four before them
# L1+L2's share must rise by more than this (absolute, 0.05 = 5 points) and by more than
# INFLATION_ERRORS standard errors to count as rising; ``extra["tier_inflation_margin"]`` overrides
# the margin.
INFLATION_MARGIN = 0.05
INFLATION_ERRORS = 4
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


def _pooled(weekly: WeeklyTiers, rows: list[int]) -> tuple[float, int, float | None]:
    """L1+L2's share of the scores of these weeks, how many scores, and the conversion of the
    weeks' decided records (None: none decided yet)."""
    scores = int(weekly.scores[rows].sum())
    decided = int(weekly.decided[rows].sum())
    conversion = float(weekly.won[rows].sum() / decided) if decided else None
    return float(weekly.top[rows].sum() / scores), scores, conversion


def tier_inflation(weekly: WeeklyTiers, newest: int, margin: float, notes: list[Note]) -> Inflation | None:
    """L1+L2's share of the scores in the newest ``INFLATION_NOW`` full weeks against the
    ``INFLATION_BEFORE`` weeks before them, when it rose by more than ``margin`` and by more than
    three standard errors (weekly noise over months of Mondays never reaches it), while the
    conversion of the same weeks' records did not rise with it (its relative rise under half the
    share's, or not known yet). None: no inflation."""
    span = INFLATION_NOW + INFLATION_BEFORE
    at = {int(w): i for i, w in enumerate(weekly.weeks)}
    weeks = list(range(newest - span + 1, newest + 1))
    if any(w not in at for w in weeks):
        notes.append(
            Note(
                "inflation_undefined",
                f"tier inflation is undefined: it needs scores in each of the last {span} full weeks",
                {"weeks": span},
            )
        )
        return None
    before, now = [at[w] for w in weeks[:INFLATION_BEFORE]], [at[w] for w in weeks[INFLATION_BEFORE:]]
    (p0, n0, c0), (p1, n1, c1) = _pooled(weekly, before), _pooled(weekly, now)
    rise = p1 - p0
    error = np.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
    if rise <= margin or rise <= INFLATION_ERRORS * error:
        return None
    if c0 is not None and c1 is not None and c0 > 0 and (c1 - c0) / c0 >= CONVERSION_FOLLOWS * rise / p0:
        return None  # better leads arrived: the conversion rose with the share
    return Inflation(
        before_weeks=(week_label(weeks[0]), week_label(weeks[INFLATION_BEFORE - 1])),
        now_weeks=(week_label(weeks[INFLATION_BEFORE]), week_label(newest)),
        share_before=p0,
        share_now=p1,
        conversion_before=c0,
        conversion_now=c1,
    )


def _training_window(data: MonitorInput) -> tuple[np.datetime64, np.datetime64] | None:
    for sample in data.inputs:
        if is_training(sample):
            return as_utc64(sample.start), as_utc64(sample.end)
    return None


def score_psi(
    data: MonitorInput, scored_week: npt.NDArray[np.int64], newest: int, notes: list[Note]
) -> tuple[float | None, float | None]:
    stream = data.stream
    this_week = score_counts(stream.priority[scored_week == newest])
    last_week = score_counts(stream.priority[scored_week == newest - 1])
    week_psi = psi(last_week, this_week)
    if week_psi is None:
        before, now = week_label(newest - 1), week_label(newest)
        notes.append(
            Note(
                "score_week_undefined",
                f"score drift week over week is undefined: {before} or {now} has no scores",
                {"before": before, "now": now},
            )
        )
    window = _training_window(data)
    if window is None:
        notes.append(
            Note(
                "score_training_no_model",
                "score drift against the training window is undefined: no model has been trained",
            )
        )
        return week_psi, None
    inside = (stream.scored_at >= window[0]) & (stream.scored_at < window[1])
    if not inside.any():  # a model trained on the CRM's history before go-live: no scores in its window
        earlier = scored_week[scored_week < newest]
        if earlier.size:
            first = int(earlier.min())
            inside = scored_week == first
            notes.append(
                Note(
                    "score_training_first_week",
                    "score drift against the training window is measured against "
                    f"{week_label(first)}, the first week leadq scored: the training window predates "
                    "leadq's scores",
                    {"week": week_label(first)},
                )
            )
    training_psi = psi(score_counts(stream.priority[inside]), this_week)
    if training_psi is None:
        notes.append(
            Note(
                "score_training_undefined",
                "score drift against the training window is undefined: "
                "no scores written in that window or this week",
            )
        )
    return week_psi, training_psi


def drift(data: MonitorInput, notes: list[Note]) -> Drift:
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
        tier_inflation=inflation is not None,
        inflation=inflation,
    )
