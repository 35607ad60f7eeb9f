"""Monotonicity the admin asks for: ``[model] monotone = { employees = "increasing" }`` in the ICP.

``parse`` validates the ICP's table (every problem named with its key) into a mapping feature -> +1
(more never lowers the score) or -1 (more never raises it). ``project`` makes a fitted logistic
model's coefficients respect it: the coefficients of a numeric feature's ordered bins (its "missing"
column aside) are replaced by their isotonic regression weighted by how many training rows fall in
each bin, the closest monotone sequence in that weighted least-squares sense. The model stays a sum
of one coefficient per feature, so contributions remain exactly additive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.isotonic import isotonic_regression

from core.config_text import Problems

# The learned CRM model's features (scoring.training.CRM_KINDS): the numeric ones have an order.
ORDERED_FEATURES = (
    "employees",
    "revenue",
    "tech_matches",
    "engagement_points",
    "days_since_activity",
    "visits",
    "email_clicks",
    "forms",
)
UNORDERED_FEATURES = ("seniority", "function", "email_kind", "industry", "country", "lead_source")
DIRECTIONS = {"increasing": 1, "decreasing": -1}
KEY = "model.monotone"

# A run of ordered columns of the encoded matrix: (first column, how many, +1 or -1).
Run = tuple[int, int, int]


def parse(raw: Any, problems: Problems) -> dict[str, int]:
    """The ICP's ``[model] monotone`` table as feature -> +1/-1; each problem noted with its key."""
    if not isinstance(raw, dict):
        problems.add(KEY, 'must be a table of feature = "increasing" or "decreasing"')
        return {}
    out = {}
    for feature, word in raw.items():
        key = f"{KEY}.{feature}"
        if feature in UNORDERED_FEATURES:
            problems.add(
                key,
                f"{feature} is a category with no order (more or less of it means nothing), so it cannot "
                f"be monotone; only these features can: {', '.join(ORDERED_FEATURES)}",
            )
        elif feature not in ORDERED_FEATURES:
            problems.add(key, f"unknown feature; use one of {', '.join(ORDERED_FEATURES)}")
        elif not isinstance(word, str) or word.strip().lower() not in DIRECTIONS:
            problems.add(key, f'must be "increasing" or "decreasing", got {word!r}')
        else:
            out[feature] = DIRECTIONS[word.strip().lower()]
    return out


def project(coef: np.ndarray, counts: np.ndarray, runs: Sequence[Run]) -> np.ndarray:
    """``coef`` with each run's coefficients made monotone in its direction (isotonic regression
    weighted by ``counts``, the training rows in each column); other coefficients unchanged."""
    out = np.array(coef, dtype=np.float64, copy=True)
    for start, width, sign in runs:
        if width < 2:
            continue
        window = slice(start, start + width)
        weights = np.asarray(counts[window], dtype=np.float64) + 1e-6  # an empty bin follows its neighbours
        out[window] = isotonic_regression(out[window], sample_weight=weights, increasing=sign > 0)
    return out


def runs_for(specs: Sequence[Any], monotone: Mapping[str, int]) -> tuple[Run, ...]:
    """The ordered-bin runs of the encoder's numeric features named in ``monotone`` (features the
    model does not have, or that are not numeric there, are left alone)."""
    runs = []
    for spec in specs:
        sign = monotone.get(spec.name)
        if sign and spec.kind == "numeric":
            runs.append((int(spec.offset), len(spec.edges) + 1, 1 if sign > 0 else -1))
    return tuple(runs)
