"""Drift of each model input: population stability between the reference sample (the training
window's when a model exists, else the earliest full week's) and the newest full week's, and between
the week before and the newest (week over week), the share of empty values, and in plain words what
moved.

Bins: a numeric input at the reference's deciles (its non-empty values); any other input by value,
the ten values most common in either window kept and the rest pooled as "other values". An empty
value (None, or nan for a number) is a bin of its own for both, so a field that starts arriving
empty moves the index like any other shift.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from monitoring.frames import InputSample
from monitoring.report import FeatureShift, Note
from monitoring.stats import psi, shares
from monitoring.timeline import as_naive_utc

TOP_CATEGORIES = 10
DECILE_CUTS = np.arange(1, 10) / 10
Rows = Sequence[Mapping[str, object]]


def is_training(sample: InputSample) -> bool:
    """The training window's sample (storage labels it "training window"); the others are weeks."""
    return sample.label.strip().lower().startswith("training")


FULL_WEEK = timedelta(days=7) - timedelta(seconds=1)


def _full_weeks(inputs: Sequence[InputSample], now: datetime) -> list[InputSample]:
    """The week samples whose whole week has passed by ``now`` (the current week, still filling, is
    not a week to judge yet), oldest first."""
    moment = as_naive_utc(now)
    weeks = [
        s
        for s in inputs
        if not is_training(s)
        and as_naive_utc(s.end) <= moment
        and as_naive_utc(s.end) - as_naive_utc(s.start) >= FULL_WEEK
    ]
    return sorted(weeks, key=lambda s: as_naive_utc(s.end))


def windows(
    inputs: Sequence[InputSample], now: datetime, notes: list[Note]
) -> tuple[InputSample | None, InputSample | None]:
    """(reference, current): the training window's sample when it holds rows, else the earliest full
    week that does (a model trained on the CRM's history before go-live has no scores in its window);
    and the newest full week with rows. Either None when there is none to compare."""
    weeks = [s for s in _full_weeks(inputs, now) if s.rows]
    if not weeks:
        notes.append(
            Note("inputs_no_full_week", "input drift is undefined: no full week of model inputs sampled yet")
        )
        return None, None
    current = weeks[-1]
    training = [s for s in inputs if is_training(s) and s.rows]
    reference = training[0] if training else weeks[0]
    if reference is current:
        notes.append(
            Note(
                "inputs_one_window",
                f"input drift is undefined: {current.label} is the only window sampled, nothing to compare",
                {"week": current.label},
            )
        )
        return None, current
    return reference, current


def feature_names(*samples: Rows) -> list[str]:
    names: set[str] = set()
    for rows in samples:
        for row in rows:
            names.update(row.keys())
    return sorted(names)


def column(rows: Rows, feature: str) -> list[object]:
    return [row.get(feature) for row in rows]


def _is_number(kind: type) -> bool:
    return issubclass(kind, int | float | np.number) and not issubclass(kind, bool | np.bool_)


def _numbers(values: list[object]) -> npt.NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


@dataclass(frozen=True)
class Binned:
    """Both windows' counts over the same bins (the last bin: empty), and each bin's words."""

    reference: npt.NDArray[np.int64]
    current: npt.NDArray[np.int64]
    labels: list[str]


def _numeric_bins(before: list[object], now: list[object]) -> Binned:
    ref, cur = _numbers(before), _numbers(now)
    known = ref[~np.isnan(ref)]
    edges = np.unique(np.quantile(known, DECILE_CUTS)) if known.size else np.empty(0)
    empty_bin = edges.size + 1

    def counts(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        index = np.where(np.isnan(values), empty_bin, np.searchsorted(edges, values, side="right"))
        return np.bincount(index, minlength=empty_bin + 1)

    if edges.size == 0:
        labels = ["any value"]
    else:
        labels = [f"under {edges[0]:g}"]
        labels += [f"{lo:g} to under {hi:g}" for lo, hi in pairwise(edges)]
        labels.append(f"{edges[-1]:g} and over")
    return Binned(counts(ref), counts(cur), [*labels, "empty"])


def _hashable(values: list[object]) -> list[object]:
    try:
        Counter(values)
    except TypeError:  # a list or dict value: compare its text
        return [v if v is None else repr(v) for v in values]
    return values


def _categorical_bins(before: list[object], now: list[object]) -> Binned:
    before, now = _hashable(before), _hashable(now)
    ref, cur = Counter(before), Counter(now)
    ref.pop(None, None)
    cur.pop(None, None)
    n_ref, n_cur = max(len(before), 1), max(len(now), 1)
    values = set(ref) | set(cur)
    top = sorted(values, key=lambda v: (-max(ref[v] / n_ref, cur[v] / n_cur), str(v)))[:TOP_CATEGORIES]
    index = {v: i for i, v in enumerate(top)}
    other, empty = len(top), len(top) + 1

    def counts(column_values: list[object]) -> npt.NDArray[np.int64]:
        codes = np.fromiter(
            (empty if v is None else index.get(v, other) for v in column_values), np.int64, len(column_values)
        )
        return np.bincount(codes, minlength=empty + 1)

    return Binned(counts(before), counts(now), [f"'{v}'" for v in top] + ["other values", "empty"])


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%" if 0 < share < 0.01 else f"{share * 100:.0f}%"


def moved_words(binned: Binned) -> str:
    """What moved most, in words: the share of empty values ("empty 2% -> 61%") when it changed at
    least as much as any value's share among the non-empty values ("'vp' 31% -> 48%"), else that
    value's (so a field going empty is named as such, not as its other values thinning out)."""
    before, now = shares(binned.reference), shares(binned.current)
    empty_change = abs(float(now[-1] - before[-1]))
    filled_before, filled_now = shares(binned.reference[:-1]), shares(binned.current[:-1])
    change = np.abs(filled_now - filled_before)
    if empty_change == 0 and change.max() == 0:
        return "no change"
    if empty_change >= change.max():
        return f"empty {_pct(float(before[-1]))} -> {_pct(float(now[-1]))}"
    b = int(np.argmax(change))
    return f"{binned.labels[b]} {_pct(float(filled_before[b]))} -> {_pct(float(filled_now[b]))}"


def feature_shift(feature: str, before: list[object], now: list[object]) -> FeatureShift:
    """One input's shift between two windows' values (None: empty)."""
    kinds = {type(v) for v in before} | {type(v) for v in now}
    kinds.discard(type(None))
    numeric = bool(kinds) and all(_is_number(k) for k in kinds)
    binned = _numeric_bins(before, now) if numeric else _categorical_bins(before, now)
    before_shares, now_shares = shares(binned.reference), shares(binned.current)
    return FeatureShift(
        feature=feature,
        psi=psi(binned.reference, binned.current) or 0.0,
        missing_before=float(before_shares[-1]),
        missing_now=float(now_shares[-1]),
        moved=moved_words(binned),
    )


def missing_rates(rows: Rows, features: Sequence[str]) -> dict[str, float]:
    """Each field's share of empty values (None, or a nan number; an absent key is empty) in ``rows``."""
    if not rows:
        return {}
    rates = {}
    for feature in features:
        values = column(rows, feature)
        empty = sum(1 for v in values if v is None or (isinstance(v, float) and v != v))
        rates[feature] = empty / len(values)
    return rates


def previous_week(inputs: Sequence[InputSample], current: InputSample) -> InputSample | None:
    """The full week sampled just before ``current`` (None: none, or it holds no rows)."""
    before = [s for s in _full_weeks(inputs, current.end) if s is not current]
    newest = before[-1] if before else None
    return newest if newest is not None and newest.rows else None


def input_drift(
    inputs: Sequence[InputSample], now: datetime, notes: list[Note]
) -> tuple[str, str, list[FeatureShift], dict[str, float]]:
    """(reference label, current label, every input's shift largest first, missing rates now)."""
    reference, current = windows(inputs, now, notes)
    current_label = current.label if current is not None else ""
    if reference is None or current is None:
        features = feature_names(current.rows) if current is not None else []
        rates = missing_rates(current.rows, features) if current is not None else {}
        return "", current_label, [], rates
    features = feature_names(reference.rows, current.rows)
    previous = previous_week(inputs, current)
    shifts = []
    for feature in features:
        shift = feature_shift(feature, column(reference.rows, feature), column(current.rows, feature))
        if previous is not None:
            week = feature_shift(feature, column(previous.rows, feature), column(current.rows, feature))
            shift = replace(shift, psi_week=week.psi)
        shifts.append(shift)
    shifts.sort(key=lambda s: (-s.psi, s.feature))
    rates = {s.feature: s.missing_now for s in shifts}
    return reference.label, current.label, shifts, rates
