"""Score performance: per cohort month (records first scored that month) the leads per tier, the
conversion per tier with its 95% Wilson interval, the lift of L1 over L4 and the share of the month's
conversions its top 30% by score captured; then calibration (predicted against observed by decile of
predicted probability, ECE, Brier) and the observed win rate per tier.

Honest outcomes only: a record decided after the model that scored it was trained on its outcome
(``unseen`` false) is left out of conversion, lift, capture and calibration (it would flatter the
model); open records count as not (yet) won. Leads per tier count every record.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from monitoring.frames import OPEN, TIERS, WON, Flags, ModelBaseline, ScoredLeads
from monitoring.report import (
    Calibration,
    CalibrationBin,
    CohortRow,
    Note,
    Performance,
    Rate,
    RecentCalibration,
)
from monitoring.stats import brier, ece, sums, wilson
from monitoring.timeline import as_utc64, month_index, month_label

TOP_SHARE_TENTHS = 3  # the top 30% by score
DECILES = 10
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def top_share_capture(
    group: Ints, won: npt.NDArray[np.bool_], probability: Floats, tier: Ints, priority: Floats | None
) -> tuple[Ints, Ints]:
    """Per group (0..G-1): the wins among its top 30% by score (ceil of 30% of its records) and its
    wins. The order: by probability, highest first, in a group where every record has one; in a group
    with records the rules scored (nan probability): by tier (L1 first), then probability (known
    first), then priority, highest first. Ties keep the records' order, so the result is
    deterministic."""
    groups = int(group.max()) + 1 if group.size else 0
    sizes = np.bincount(group, minlength=groups)
    unknown = np.isnan(probability)
    all_known = sums(group, unknown, groups) == 0
    # within a group: one number whose ascending order is the ranking (tier * 10 + [0, 1] for a
    # known probability, highest first, then [2, 3] for an unknown one by priority, highest first)
    rest = 2.0 + (0.0 if priority is None else (100.0 - np.nan_to_num(priority, nan=100.0)) / 100.0)
    within = np.where(unknown, rest, 1.0 - np.nan_to_num(probability, nan=0.0))
    within = np.where(all_known[group], within, within + 10.0 * tier)
    order = np.argsort(within, kind="stable")
    # a stable sort of small integers is a radix sort: cheap
    small = np.int16 if groups < np.iinfo(np.int16).max else np.int64
    order = order[np.argsort(group[order].astype(small), kind="stable")]
    ordered_group = group[order]
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    position = np.arange(group.size) - starts[ordered_group]
    top = (TOP_SHARE_TENTHS * sizes + 9) // 10  # ceil(0.3 * n) in integers
    in_top = position < top[ordered_group]
    captured = sums(ordered_group[in_top], won[order][in_top], groups)
    wins = sums(group, won, groups)
    return captured.astype(np.int64), wins.astype(np.int64)


def _rates(hits: Ints, n: Ints) -> dict[str, Rate]:
    return {name: wilson(int(hits[t]), int(n[t])) for t, name in enumerate(TIERS)}


def _lift(conversion: dict[str, Rate]) -> float | None:
    top, bottom = conversion["L1"].rate, conversion["L4"].rate
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def cohorts(leads: ScoredLeads, notes: list[Note]) -> tuple[list[CohortRow], float | None]:
    """The cohort-month rows, oldest first, and the top-30% capture over every month with a win."""
    tier = leads.tier.astype(np.int64)
    valid = ~np.isnat(leads.cohort) & (tier >= 1) & (tier <= len(TIERS))
    if not valid.all():
        left = int((~valid).sum())
        notes.append(
            Note(
                "records_left_out",
                f"{left} scored records without a first-score time or tier were left out",
                {"records": left},
            )
        )
    if not valid.any():
        notes.append(Note("no_scored_records", "no scored records yet: no cohort months"))
        return [], None
    months, month = np.unique(month_index(leads.cohort[valid]), return_inverse=True)
    tier = tier[valid] - 1
    honest = (leads.outcome[valid] == OPEN) | leads.unseen[valid]
    won = (leads.outcome[valid] == WON) & honest
    cells = len(months) * len(TIERS)
    cell = month * len(TIERS) + tier
    counts = np.bincount(cell, minlength=cells).reshape(-1, len(TIERS))
    n = np.bincount(cell[honest], minlength=cells).reshape(-1, len(TIERS))
    hits = np.bincount(cell[won], minlength=cells).reshape(-1, len(TIERS))
    decided = np.bincount(cell[honest & (leads.outcome[valid] != OPEN)], minlength=cells).reshape(
        -1, len(TIERS)
    )
    priority = None if leads.priority is None else leads.priority[valid][honest]
    captured, wins = top_share_capture(
        month[honest], won[honest], leads.probability[valid][honest], tier[honest], priority
    )
    captured = np.pad(captured, (0, len(months) - captured.size))
    wins = np.pad(wins, (0, len(months) - wins.size))
    rows, no_lift, no_wins = [], [], []
    for m, label in enumerate(month_label(int(x)) for x in months):
        conversion = _rates(hits[m], n[m])
        lift = _lift(conversion)
        if lift is None:
            no_lift.append(label)
        if wins[m] == 0:
            no_wins.append(label)
        capture = float(captured[m] / wins[m]) if wins[m] else None
        leads_per_tier = {name: int(counts[m, t]) for t, name in enumerate(TIERS)}
        decided_per_tier = {name: int(decided[m, t]) for t, name in enumerate(TIERS)}
        rows.append(CohortRow(label, leads_per_tier, conversion, lift, capture, decided_per_tier))
    if no_lift:
        undefined = ", ".join(no_lift)
        notes.append(
            Note(
                "lift_undefined",
                f"lift of L1 over L4 is undefined for {undefined} (L1 or L4 had no records, or L4 no wins)",
                {"months": undefined},
            )
        )
    if no_wins:
        undefined = ", ".join(no_wins)
        notes.append(
            Note(
                "capture_undefined",
                f"top-30% capture is undefined for {undefined} (no conversions yet)",
                {"months": undefined},
            )
        )
    total = int(wins.sum())
    return rows, (float(captured.sum() / total) if total else None)


def calibration(leads: ScoredLeads, notes: list[Note] | None, within: Flags | None = None) -> Calibration:
    """Predicted against observed by decile of predicted probability (equal-count groups by rank,
    ties kept in record order), on decided outcomes the model had not seen and that have a
    probability (and, given ``within``, where it holds); ECE weighted by the deciles' counts, with the
    part of it chance alone gives; Brier; the win rate per tier on the same outcomes. ``notes``
    None: say nothing (the recent window's calibration)."""
    probability = leads.probability
    use = (leads.outcome != OPEN) & leads.unseen & ~np.isnan(probability)
    if within is not None:
        use &= within
    p = probability[use]
    y = leads.outcome[use] == WON
    tier = leads.tier[use].astype(np.int64) - 1
    in_range = (tier >= 0) & (tier < len(TIERS))
    by_tier = _rates(
        np.bincount(tier[in_range & y], minlength=len(TIERS)),
        np.bincount(tier[in_range], minlength=len(TIERS)),
    )
    if p.size == 0:
        if notes is not None:
            notes.append(
                Note(
                    "calibration_undefined",
                    "calibration is undefined: no decided outcome yet that a model scored without "
                    "having seen it",
                )
            )
        return Calibration(n=0, bins=(), ece=None, brier=None, by_tier=by_tier)
    order = np.argsort(p, kind="stable")
    decile = np.empty(p.size, dtype=np.int64)
    decile[order] = np.arange(p.size) * DECILES // p.size
    n = np.bincount(decile, minlength=DECILES)
    predicted = sums(decile, p, DECILES)
    observed = sums(decile, y, DECILES)
    spread = sums(decile, p * (1 - p), DECILES)  # the variance of each decile's wins, if calibrated
    filled = n > 0
    predicted[filled] /= n[filled]
    observed[filled] /= n[filled]
    bins = [
        CalibrationBin(decile=d + 1, predicted=float(predicted[d]), observed=float(observed[d]), n=int(n[d]))
        for d in range(DECILES)
        if n[d]
    ]
    if p.size < DECILES and notes is not None:
        notes.append(
            Note(
                "calibration_thin",
                f"calibration rests on {p.size} outcomes only: fewer than one per decile",
                {"outcomes": int(p.size)},
            )
        )
    return Calibration(
        n=int(p.size),
        bins=bins,
        ece=ece(predicted, observed, n),
        brier=brier(p, y),
        by_tier=by_tier,
        chance=chance_ece(spread, n),
        predicted=float(p.mean()),
        observed=float(y.mean()),
        variance=float(spread.sum()) / p.size**2,
    )


def chance_ece(spread: Floats, n: Ints) -> float:
    """The expected calibration error of a perfectly calibrated model with these deciles: each
    decile's observed share strays from its mean prediction by sqrt(sum p(1-p)) / n on average
    times sqrt(2/pi) (the mean absolute value of a normal), weighted by the deciles' counts."""
    filled = n > 0
    stray = np.sqrt(spread[filled]) / n[filled] * math.sqrt(2 / math.pi)
    return float(np.sum(stray * n[filled]) / max(int(n.sum()), 1))


def recent_calibration(leads: ScoredLeads, now: datetime, weeks: int, model: str | None) -> RecentCalibration:
    """The current champion's calibration on its leads whose deciding score it gave in the
    ``weeks`` weeks before ``now``, and on its leads scored before (every model's when the frame
    does not say which model scored)."""
    start = now - timedelta(weeks=weeks)
    recent = leads.decisive >= as_utc64(start)
    mine = leads.current_model if leads.current_model is not None else np.ones(len(leads), dtype=np.bool_)
    return RecentCalibration(
        weeks,
        model,
        start,
        calibration(leads, None, mine & recent),
        calibration(leads, None, mine & ~recent),
    )


RECENT_WEEKS = 6  # the recent calibration's window: leads scored in the last six weeks


def performance(
    leads: ScoredLeads,
    notes: list[Note],
    now: datetime | None = None,
    baseline: ModelBaseline | None = None,
    recent_weeks: int = RECENT_WEEKS,
) -> Performance:
    """The cohort rows, calibration over every honest outcome, and (given ``now``) the current
    champion's calibration over the recent weeks; ``baseline`` is carried for the page and alarms."""
    rows, capture = cohorts(leads, notes)
    recent = None
    if now is not None:
        model = baseline.version if baseline is not None else None
        recent = recent_calibration(leads, now, recent_weeks, model)
    return Performance(
        cohorts=rows,
        calibration=calibration(leads, notes),
        top30_capture=capture,
        recent=recent,
        baseline=baseline,
    )
