"""The statistics monitoring reports, each on plain numpy arrays: the Wilson interval of a rate,
population stability (PSI), expected calibration error, the Brier score and nearest-rank percentiles.

Every function returns None (never nan, never a division by zero) where its figure is undefined.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from monitoring.report import Rate

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95% interval
# The share put in a PSI bin that one side left empty: without it ln(0) makes the index infinite.
# Fixed (not scaled to the sample size) so the same counts always give the same index.
PSI_EPSILON = 1e-4


def wilson(hits: int, n: int, z: float = Z95) -> Rate:
    """``hits`` of ``n`` with its Wilson score interval (95% by default); all None when ``n`` is 0.

    Wilson rather than the normal approximation: it stays inside [0, 1] and is honest for the small
    counts and the rates near 0 a tier's cohort month often has."""
    if n <= 0:
        return Rate(hits=0, n=0, rate=None, low=None, high=None)
    if not 0 <= hits <= n:
        raise ValueError(f"hits ({hits}) must be between 0 and n ({n})")
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return Rate(hits=hits, n=n, rate=p, low=max(0.0, centre - half), high=min(1.0, centre + half))


def sums(index: npt.ArrayLike, values: npt.ArrayLike, length: int) -> npt.NDArray[np.float64]:
    """``np.bincount`` with weights, typed: the sum of ``values`` per index 0..length-1."""
    return np.bincount(np.asarray(index), weights=np.asarray(values), minlength=length).astype(np.float64)


def shares(counts: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Counts as shares of their total (all zero when the total is zero)."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    return c / total if total > 0 else np.zeros_like(c)


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike, epsilon: float = PSI_EPSILON) -> float | None:
    """Population stability index of ``actual`` against ``expected``, both counts over the same bins:
    sum over bins of (a - e) * ln(a / e) on shares, a bin's share raised to ``epsilon`` where it is
    smaller (an empty bin). Never negative; 0 for identical shares. None when either side is empty.

    Rule of thumb: under 0.1 stable, 0.1-0.25 a moderate shift, over 0.25 a major shift."""
    e_counts = np.asarray(expected, dtype=np.float64)
    a_counts = np.asarray(actual, dtype=np.float64)
    if e_counts.shape != a_counts.shape:
        raise ValueError("expected and actual must count the same bins")
    if e_counts.sum() <= 0 or a_counts.sum() <= 0:
        return None
    e = np.maximum(shares(e_counts), epsilon)
    a = np.maximum(shares(a_counts), epsilon)
    # each term is >= 0 (a - e and ln(a / e) share their sign); clip the rounding below zero
    return max(0.0, float(np.sum((a - e) * np.log(a / e))))


def ece(predicted: npt.ArrayLike, observed: npt.ArrayLike, counts: npt.ArrayLike) -> float | None:
    """Expected calibration error: the mean over bins of |observed - predicted|, weighted by each
    bin's count. None when no bin holds anything."""
    n = np.asarray(counts, dtype=np.float64)
    if n.sum() <= 0:
        return None
    gap = np.abs(np.asarray(observed, dtype=np.float64) - np.asarray(predicted, dtype=np.float64))
    keep = n > 0
    return float(np.sum(gap[keep] * n[keep]) / n.sum())


def brier(probability: npt.ArrayLike, won: npt.ArrayLike) -> float | None:
    """Mean squared gap between the predicted probability and the outcome (1 won, 0 lost); 0 is
    perfect, 0.25 is what always saying 50% scores. None on no outcomes."""
    p = np.asarray(probability, dtype=np.float64)
    if p.size == 0:
        return None
    y = np.asarray(won, dtype=np.float64)
    return float(np.mean((p - y) ** 2))


def percentile(values: npt.ArrayLike, q: float) -> float | None:
    """The q-th percentile by nearest rank (the smallest value with at least q% of the values at or
    below it: p50 of 1, 2, 3, 4 is 2); None on no values."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return None
    rank = max(1, math.ceil(q / 100 * v.size))
    return float(np.partition(v, rank - 1)[rank - 1])
