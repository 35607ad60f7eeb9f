"""Two models' AUCs on the same leads, and whether their gap is more than chance (DeLong's test).

A segment's held-out outcomes are few (a few hundred leads): on so few, the AUCs of two equally good
models differ by a point or two from chance alone, far more than the champion/challenger margin
(0.005). DeLong, DeLong and Clarke-Pearson (1988) give the variance of the gap between two AUCs measured
on the same leads (the two are correlated: the same hard leads are hard for both), computed here with
midranks (Sun and Xu, 2014).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata


@dataclass(frozen=True)
class AucGap:
    first: float  # AUC of the first model
    second: float  # AUC of the second model
    se: float  # standard error of second - first

    @property
    def gap(self) -> float:
        return self.second - self.first

    def z(self) -> float:
        """The gap in standard errors (inf when the models rank these leads identically but differ)."""
        if self.se > 0:
            return self.gap / self.se
        return 0.0 if self.gap == 0 else math.copysign(math.inf, self.gap)


def _components(y: np.ndarray, p: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and DeLong's structural components of one model's scores: per won lead, the share of lost
    leads it outranks; per lost lead, the share of won leads that outrank it (ties count half)."""
    won, lost = p[y == 1], p[y == 0]
    m, n = len(won), len(lost)
    both = rankdata(np.concatenate([won, lost]))
    rank_won, rank_lost = rankdata(won), rankdata(lost)
    auc = (float(both[:m].sum()) - m * (m + 1) / 2) / (m * n)
    v10 = (both[:m] - rank_won) / n
    v01 = 1.0 - (both[m:] - rank_lost) / m
    return auc, v10, v01


def compare(y: np.ndarray, first: np.ndarray, second: np.ndarray) -> AucGap:
    """The two models' AUCs on outcomes ``y`` (0/1, both present) and the standard error of their gap."""
    y = np.asarray(y).astype(int)
    auc_a, v10_a, v01_a = _components(y, np.asarray(first, dtype=np.float64))
    auc_b, v10_b, v01_b = _components(y, np.asarray(second, dtype=np.float64))
    d10, d01 = v10_b - v10_a, v01_b - v01_a
    m, n = len(d10), len(d01)
    variance = (float(np.var(d10, ddof=1)) if m > 1 else 0.0) / m + (
        float(np.var(d01, ddof=1)) if n > 1 else 0.0
    ) / n
    return AucGap(auc_a, auc_b, math.sqrt(max(variance, 0.0)))


def one_sided_z(comparisons: int, level: float = 0.05) -> float:
    """The z a gap must reach to be more than chance at ``level``, one-sided, shared by
    ``comparisons`` gaps judged together (Bonferroni)."""
    return float(norm.ppf(1 - level / max(comparisons, 1)))
