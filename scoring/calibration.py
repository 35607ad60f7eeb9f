"""Calibration you can trust: a reliability table with 95% intervals, and calibration checked per tier
and per segment with a flag when a group's chances are off by more than chance explains.

A group (a tier, a company-size band, a region) is *off* when the gap between the mean predicted
chance and the observed conversion rate is larger than chance allows: ``z`` standard errors, the
standard error being the one the gap would have if the predictions were exact,
``sqrt(sum p(1-p)) / n``. A big group must be close; a small one may be further off by chance before
it is flagged. ``z`` is the two-sided 95% point shared by the groups of one table (Bonferroni: with 4
tiers, 2.50), so a well-calibrated model has a flag in about 1 report in 20, not one in every report.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import norm

from scoring.encoding import CATEGORICAL, NUMERIC

Z = 1.96  # two-sided 95%: the intervals of observed rates
MIN_GROUP = 20  # fewer leads than this in a group: shown, never judged
MIN_SEGMENT = 30  # a region value needs this many leads to be its own segment (the rest: "other")
# Company-size bands, as the default routing segments (routing/data/default_routing.toml) cut them.
SIZE_BANDS = (
    (0.0, 200.0, "small companies (under 200 employees)"),
    (200.0, 1000.0, "mid-size companies (200-999 employees)"),
    (1000.0, math.inf, "enterprises (1,000+ employees)"),
)
SIZE_UNKNOWN = "company size not known"
_SIZE_NAME = re.compile(r"employ|head ?count|company.?size|staff", re.I)
_REGION_NAMES = (  # preferred first
    re.compile(r"region|territory", re.I),
    re.compile(r"country", re.I),
    re.compile(r"state|province", re.I),
    re.compile(r"city", re.I),
)
MAX_REGIONS = 6  # the most common values are their own segment; the rest are "other"


def wilson(wins: int, n: int, z: float = Z) -> tuple[float, float]:
    """The 95% Wilson interval of a rate of ``wins`` in ``n`` (0, 1 when ``n`` is 0)."""
    if n == 0:
        return 0.0, 1.0
    denominator = n + z * z
    centre = (wins + z * z / 2) / denominator
    half = z * math.sqrt(wins * (n - wins) / n + z * z / 4) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def allowed_z(groups: int) -> float:
    """The two-sided 95% point for ``groups`` gaps judged together (Bonferroni)."""
    return float(norm.ppf(1 - 0.05 / (2 * max(groups, 1))))


def group_row(name: str, y: np.ndarray, p: np.ndarray, z: float = Z) -> dict[str, Any]:
    """One group's calibration: mean predicted, observed rate with its 95% interval, the gap chance
    allows (``z`` standard errors) and whether it is off (too high / too low) beyond that."""
    n, wins = len(y), int(np.sum(y))
    if n == 0:
        return {
            "group": name,
            "count": 0,
            "wins": 0,
            "mean_predicted": None,
            "observed_rate": None,
            "low": None,
            "high": None,
            "allowed": None,
            "off": None,
        }
    predicted, observed = float(np.mean(p)), wins / n
    low, high = wilson(wins, n)
    allowed = z * math.sqrt(float(np.sum(p * (1 - p)))) / n
    off = None
    if n >= MIN_GROUP and abs(observed - predicted) > max(allowed, 1e-9):
        off = "too high" if predicted > observed else "too low"
    return {
        "group": name,
        "count": n,
        "wins": wins,
        "mean_predicted": round(predicted, 4),
        "observed_rate": round(observed, 4),
        "low": round(low, 4),
        "high": round(high, 4),
        "allowed": round(allowed, 4),
        "off": off,
    }


def by_group(
    y: np.ndarray, p: np.ndarray, groups: Sequence[str], order: Sequence[str]
) -> list[dict[str, Any]]:
    """``group_row`` for each group named in ``order`` that has leads (in that order), judged
    together: the groups big enough to judge share one ``allowed_z``."""
    labels = np.array(list(groups), dtype=object)
    masks = [(name, labels == name) for name in order]
    masks = [(name, mask) for name, mask in masks if mask.any()]
    z = allowed_z(sum(int(mask.sum()) >= MIN_GROUP for _, mask in masks))
    return [group_row(name, y[mask], p[mask], z) for name, mask in masks]


def size_band(value: Any) -> str:
    """A company size as its band's readable name."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return SIZE_UNKNOWN
    if number != number:
        return SIZE_UNKNOWN
    return next((name for low, high, name in SIZE_BANDS if number < high), SIZE_BANDS[-1][2])


def segment_feature(kinds: Mapping[str, str]) -> tuple[str, str] | None:
    """The feature segments are cut by, and how: a company-size feature (``employees``, a column named
    like a headcount) in bands, else a region-like category (region, country, state, city)."""
    for name, kind in kinds.items():
        if kind == NUMERIC and _SIZE_NAME.search(name):
            return name, "size"
    for pattern in _REGION_NAMES:
        for name, kind in kinds.items():
            if kind == CATEGORICAL and pattern.search(name):
                return name, "region"
    return None


def segments(
    rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]
) -> tuple[str, list[str], list[str]] | None:
    """(what the segments are, each row's segment, the segments in display order), or None when the
    rows carry neither a company size nor a region."""
    found = segment_feature(kinds)
    if found is None:
        return None
    name, how = found
    values = [row.get(name) for row in rows]
    if how == "size":
        labels = [size_band(v) for v in values]
        order = [band for _, _, band in SIZE_BANDS] + [SIZE_UNKNOWN]
        return "company size", labels, order
    given = [None if v is None or v == "" else str(v) for v in values]
    counts = Counter(v for v in given if v is not None).most_common(MAX_REGIONS)
    common = [v for v, count in counts if count >= MIN_SEGMENT]
    other, unknown = f"other {name} values", f"{name} not given"
    shown = {v: v.title() if v.islower() else v for v in common}  # CSV categories are read lower-cased
    labels = [unknown if v is None else shown.get(v, other) for v in given]
    return name, labels, [*shown.values(), other, unknown]


def calibration_checks(
    y: np.ndarray,
    p: np.ndarray,
    tiers: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    kinds: Mapping[str, str],
) -> dict[str, Any]:
    """The report's per-tier and per-segment calibration (``calibration_by_tier``,
    ``calibration_by_segment`` and what the segments are, ``segments_by``)."""
    out: dict[str, Any] = {"calibration_by_tier": by_group(y, p, tiers, ("L1", "L2", "L3", "L4"))}
    cut = segments(rows, kinds)
    if cut is None:
        out["segments_by"], out["calibration_by_segment"] = None, []
    else:
        out["segments_by"] = cut[0]
        out["calibration_by_segment"] = by_group(y, p, cut[1], cut[2])
    return out


def off_words(row: Mapping[str, Any], what: str) -> str:
    """A flagged group in one sentence: how far off, which way, and how much chance allows."""
    predicted, observed = float(row["mean_predicted"]), float(row["observed_rate"])
    return (
        f"{what} {row['group']}: given a {predicted:.0%} chance on average but {observed:.0%} converted "
        f"(95% interval {float(row['low']):.0%} to {float(row['high']):.0%}, {row['count']:,} leads); the "
        f"chances are {row['off']} by {_points(abs(predicted - observed))}, more than the "
        f"{_points(float(row['allowed']))} chance allows"
    )


def _points(share: float) -> str:
    """A gap between two chances in percentage points: whole points, tenths below 10 (never "0")."""
    points = share * 100
    return f"{points:.0f} points" if points >= 10 else f"{points:.1f} points"


def _group_line(row: Mapping[str, Any]) -> str:
    if row["mean_predicted"] is None:
        return f"  {row['group']}: no leads"
    if row["off"]:
        verdict = f"OFF: {row['off']}"
    elif row["count"] < MIN_GROUP:
        verdict = "too few to judge"
    else:
        verdict = "within chance"
    return (
        f"  {row['group']}: predicted {row['mean_predicted']:.1%}, observed {row['observed_rate']:.1%} "
        f"(95% {row['low']:.1%}-{row['high']:.1%}, {row['count']:,} leads; chance allows "
        f"+/-{row['allowed']:.1%}): {verdict}"
    )


def calibration_lines(report: Mapping[str, Any], where: str = "on the test rows") -> list[str]:
    """The report's calibration as text: ECE in words, the reliability table, per tier and segment."""
    lines = []
    ece = report.get("ece")
    if ece is not None:
        lines.append(
            f"calibration {where}: expected calibration error (ECE) {ece:.3f}: on average the predicted "
            f"chances were {ece * 100:.1f} percentage points away from the share that converted"
        )
    table = report.get("calibration") or []
    if table:
        lines.append(
            "reliability (equal-count bins: predicted -> observed, leads, 95% interval of observed):"
        )
        lines.extend(
            f"  bin {row['bin']}: {row['mean_predicted']:.3f} -> {row['observed_rate']:.3f} "
            f"({row['count']:,} leads, {row['low']:.3f}-{row['high']:.3f})"
            for row in table
            if "low" in row
        )
    for key, title in (("calibration_by_tier", "by tier"), ("calibration_by_segment", None)):
        rows = report.get(key) or []
        if rows:
            lines.append(f"calibration {title or 'by ' + str(report.get('segments_by'))}:")
            lines.extend(_group_line(row) for row in rows)
    return lines


def calibration_warnings(report: Mapping[str, Any]) -> list[str]:
    """A warning per tier or segment whose chances are off by more than chance allows."""
    warnings = [off_words(r, "tier") for r in report.get("calibration_by_tier") or [] if r.get("off")]
    segment = f"{report.get('segments_by')} segment"
    warnings += [off_words(r, segment) for r in report.get("calibration_by_segment") or [] if r.get("off")]
    return warnings
