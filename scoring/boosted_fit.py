"""Fitting the boosted family with interpret's ExplainableBoostingClassifier, exported to leadq's JSON.

interpret is imported here only, when fitting: loading and scoring (scoring/boosted.py) never need it.

Bounded so that 50,000 leads x 40 columns train in under 2 minutes on 2 cores, both fits included
(bench/model_bench.py): 6 outer bags (interpret's default is 14), at most 8 pairwise terms chosen by
interpret's FAST ranking on 16 bins per feature (default: 3x the number of features, on 64 bins),
256 bins per feature for the single-feature shapes (default 1024), a learning rate of 0.02 (default
0.015) with interpret's early stopping on each bag's random 15%. Measured on X Education with
``leadq evaluate``'s split (bench/family_auc_bench.py): 8 bags at 0.015 gain about 0.0005 AUC for
about twice the time; 4 bags at 0.04 lose about 0.002 for a fifth of it.

Calibration: Platt on held-out rows (the newest 20% when rows are time-ordered, else a stratified
random 20%), fitted on the raw scores of a model trained on the rest; the model kept is refitted on
every row and keeps that calibration (as the logistic family does). Affine in the logit, so the
contributions stay exactly additive.

Monotonicity (``monotone``: feature -> +1 | -1; entries for features the model lacks or that are
not numeric are left alone, as in the logistic family): interpret's own monotone
constraints while boosting, no pair term containing the feature (a pair could bend the feature's
effect), and an isotonic projection of the fitted shape (interpret's ``monotonize``) where bagging
or purification left a step the wrong way. The "missing" bin is not part of the order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from scoring.boosted import BinnedFeature, BoostedModel, Term, as_category, as_number
from scoring.encoding import CATEGORICAL, NUMERIC

VALIDATION_FRACTION = 0.2


@dataclass(frozen=True)
class BoostedSettings:
    """The bounds on bagging and interaction search (see the module's docstring)."""

    outer_bags: int = 6
    interactions: int = 8
    max_bins: int = 256
    max_interaction_bins: int = 16
    learning_rate: float = 0.02
    n_jobs: int = 2
    random_state: int = 0


def _matrix(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]) -> np.ndarray:
    """Rows as interpret reads them: numbers as floats (NaN when missing), categories as text (None)."""
    out = np.empty((len(rows), len(kinds)), dtype=object)
    for j, (name, kind) in enumerate(kinds.items()):
        values = [r.get(name) for r in rows]
        if kind == NUMERIC:
            out[:, j] = np.array([as_number(v) for v in values], dtype=np.float64)
        else:
            out[:, j] = [as_category(v) for v in values]
    return out


def _usable_monotone(kinds: Mapping[str, str], monotone: Mapping[str, int]) -> dict[str, int]:
    """The entries of ``monotone`` for numeric features the model has (others are left alone, as the
    logistic family does: the ICP's one mapping serves CRM and CSV models alike)."""
    for name, direction in monotone.items():
        if direction not in (1, -1):
            raise ValueError(f"monotone direction of {name!r} must be +1 or -1, not {direction!r}")
    return {name: d for name, d in monotone.items() if kinds.get(name) == NUMERIC}


def _ebm(kinds: Mapping[str, str], monotone: Mapping[str, int], settings: BoostedSettings) -> Any:
    from interpret.glassbox import ExplainableBoostingClassifier

    names = list(kinds)
    constrained = [names.index(n) for n in monotone]
    excluded = [pair for pair in combinations(range(len(names)), 2) if set(pair) & set(constrained)]
    return ExplainableBoostingClassifier(
        feature_names=names,
        feature_types=["continuous" if kinds[n] == NUMERIC else "nominal" for n in names],
        max_bins=settings.max_bins,
        max_interaction_bins=settings.max_interaction_bins,
        interactions=settings.interactions if len(names) > 1 else 0,
        exclude=excluded or None,
        outer_bags=settings.outer_bags,
        learning_rate=settings.learning_rate,
        monotone_constraints=[monotone.get(n, 0) for n in names] if monotone else None,
        n_jobs=settings.n_jobs,
        random_state=settings.random_state,
    )


def _fit_ebm(
    matrix: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    kinds: Mapping[str, str],
    monotone: Mapping[str, int],
    settings: BoostedSettings,
) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "missing values detected": they have their own bin
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no value at all: all "missing"
        ebm = _ebm(kinds, monotone, settings).fit(matrix, y, sample_weight=weight)
    names = list(kinds)
    for name, direction in monotone.items():
        shape = np.asarray(ebm.term_scores_[names.index(name)])[1:-1]
        steps = np.diff(shape) * direction
        if (steps < 0).any():
            ebm.monotonize(names.index(name), increasing=direction > 0)
    return ebm


def _held_out(n: int, y: np.ndarray, time_ordered: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if time_ordered:
        cut = int(n * (1 - VALIDATION_FRACTION))
        return np.arange(cut), np.arange(cut, n)
    if np.bincount(y, minlength=2).min() < 2:
        return np.arange(n), np.array([], dtype=int)
    train, valid = train_test_split(
        np.arange(n), test_size=VALIDATION_FRACTION, random_state=seed, stratify=y
    )
    return np.sort(train), np.sort(valid)


def _calibration(
    matrix: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    kinds: Mapping[str, str],
    monotone: Mapping[str, int],
    settings: BoostedSettings,
    time_ordered: bool,
) -> tuple[tuple[float, float], float]:
    """Platt (a, b) and the AUC on held-out rows; (1, 0) and NaN when they cannot be had."""
    train, valid = _held_out(len(y), y, time_ordered, settings.random_state)
    if len(valid) < 2 or len(np.unique(y[valid])) < 2 or np.bincount(y[train], minlength=2).min() < 2:
        return (1.0, 0.0), float("nan")
    held_out = _fit_ebm(matrix[train], y[train], weight[train], kinds, monotone, settings)
    raw = held_out.decision_function(matrix[valid])
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y[valid], weight[valid])
    auc = float(roc_auc_score(y[valid], raw, sample_weight=weight[valid]))
    if platt.coef_[0, 0] <= 0:  # held-out rows too few or too noisy to say more than "no order": keep the raw
        return (1.0, 0.0), auc
    return (float(platt.coef_[0, 0]), float(platt.intercept_[0])), auc


def export_ebm(ebm: Any, kinds: Mapping[str, str], calibration: tuple[float, float]) -> BoostedModel:
    """A fitted ExplainableBoostingClassifier as leadq's BoostedModel (term means left at 0)."""
    inputs = []
    for name, levels in zip(kinds, ebm.bins_, strict=True):
        if kinds[name] == NUMERIC:
            inputs.append(BinnedFeature(name, NUMERIC, cuts=[[float(c) for c in lvl] for lvl in levels]))
        else:
            cats = [{str(k): int(v) for k, v in lvl.items()} for lvl in levels]
            inputs.append(BinnedFeature(name, CATEGORICAL, categories=cats))
    terms = [
        Term(tuple(int(f) for f in features), np.asarray(scores, dtype=np.float64).copy())
        for features, scores in zip(ebm.term_features_, ebm.term_scores_, strict=True)
    ]
    intercept = float(np.ravel(ebm.intercept_)[0])
    return BoostedModel(inputs, terms, intercept, calibration, "", "")


def fit_boosted(
    rows: Sequence[Mapping[str, Any]],
    labels: np.ndarray,
    kinds: Mapping[str, str],
    *,
    version: str,
    kind: str,
    time_ordered: bool,
    metadata: dict[str, Any] | None = None,
    sample_weight: np.ndarray | None = None,
    monotone: Mapping[str, int] | None = None,
    settings: BoostedSettings | None = None,
) -> BoostedModel:
    """Learn a boosted model from rows (oldest first when ``time_ordered``); see the module docstring."""
    settings = settings or BoostedSettings()
    monotone = _usable_monotone(kinds, monotone or {})
    y = np.asarray(labels, dtype=int)
    if len(np.unique(y)) != 2:
        raise ValueError("the boosted model needs two classes to learn from; the labels have only one")
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != y.shape or (weight < 0).any() or not np.isfinite(weight).all():
        raise ValueError("sample_weight needs one finite, non-negative weight per row")
    kept = weight > 0  # a row of weight 0 teaches nothing (and interpret refuses it)
    if len(np.unique(y[kept])) != 2:
        raise ValueError("the boosted model needs two classes among the rows of non-zero weight")
    matrix = _matrix([r for r, k in zip(rows, kept, strict=True) if k], kinds)
    y_kept, w_kept = y[kept], weight[kept]
    calibration, validation_auc = _calibration(
        matrix, y_kept, w_kept, kinds, monotone, settings, time_ordered
    )
    ebm = _fit_ebm(matrix, y_kept, w_kept, kinds, monotone, settings)
    model = export_ebm(ebm, kinds, calibration)
    model.version, model.kind = version, kind
    raw = model.raw_scores(rows)
    for term, mean in zip(model.terms, np.average(raw, axis=0, weights=weight), strict=True):
        term.mean = float(mean)
    probabilities = model.probabilities(rows)
    model.priority_edges = [float(q) for q in np.quantile(probabilities, np.linspace(0.01, 0.99, 99))]
    model.metadata = dict(metadata or {})
    model.metadata.setdefault("features", dict(kinds))
    model.metadata.setdefault("n_categorical", sum(1 for k in kinds.values() if k == CATEGORICAL))
    model.metadata["family"] = "boosted"
    model.metadata["validation_auc"] = None if np.isnan(validation_auc) else round(validation_auc, 4)
    model.metadata["fit"] = {
        "outer_bags": settings.outer_bags,
        "interactions": settings.interactions,
        "max_bins": settings.max_bins,
        "max_interaction_bins": settings.max_interaction_bins,
        "learning_rate": settings.learning_rate,
        "monotone": monotone,
    }
    return model
