"""ConversionModel: a scikit-learn-conforming, calibrated, additive classifier.

Logistic regression over encoded features, with the regularisation chosen on a
validation slice (the newest slice when rows are time-ordered) and Platt
calibration fitted on that same held-out slice. Calibration is affine in the
logit, so per-column contributions stay exactly additive:
``logit(p) = expected_ + sum_j contributions[:, j]``.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from scoring.monotone import Run, project


def _sample_weight(sample_weight: Any, n: int) -> np.ndarray:
    """One finite, non-negative weight per row (None: all 1)."""
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64).ravel()
    if w.shape != (n,):
        raise ValueError(f"sample_weight has {w.size} values for {n} rows")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero")
    return w


class ConversionModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn ships no type hints: its bases are Any
    """Calibrated logistic model of conversion with exact additive contributions.

    Parameters
    ----------
    Cs : tuple of float, default=(0.03, 0.1, 0.3, 1.0)
        Inverse regularisation strengths to choose from on the validation slice.
    time_ordered : bool, default=False
        Rows are oldest first: validate on the newest ``validation_fraction`` of
        them (never on older rows than those trained on).
    validation_fraction : float, default=0.2
        Share of rows held out to choose ``C`` and fit the calibration.
    calibrate : bool, default=True
        Fit Platt scaling on the held-out slice.
    random_state : int, default=0
        Seed for the stratified folds when rows are not time-ordered.
    max_iter : int, default=2000
        Iterations of the logistic solver.
    monotone : tuple of (first column, width, sign), default=()
        Runs of ordered columns (a numeric feature's bins, lowest first) whose coefficients must not
        fall (sign +1) or rise (sign -1) along the run: every fit, the held-out ones included, projects
        them onto that order (``scoring.monotone.project``), so calibration is fitted on the model as
        it will score.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    C_ : float
        The chosen regularisation.
    calibration_ : tuple of float
        Platt ``(a, b)``: ``logit(p) = a * raw + b``.
    mean_ : ndarray of shape (n_features,)
        Column means of the training data (the reference for contributions).
    validation_auc_ : float
    classes_ : ndarray of shape (2,)
    """

    def __init__(
        self,
        Cs: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0),
        time_ordered: bool = False,
        validation_fraction: float = 0.2,
        calibrate: bool = True,
        random_state: int = 0,
        max_iter: int = 2000,
        monotone: tuple[Run, ...] = (),
    ) -> None:
        self.Cs = Cs
        self.time_ordered = time_ordered
        self.validation_fraction = validation_fraction
        self.calibrate = calibrate
        self.random_state = random_state
        self.max_iter = max_iter
        self.monotone = monotone

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True  # encoded lead tables are sparse (one 1.0 per feature and row)
        return tags

    def _logistic(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, max_iter=self.max_iter)

    def _fitted(self, C: float, X: Any, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float, Any]:
        """Coefficients (monotone where asked), intercept and iterations of a weighted logistic fit."""
        model = self._logistic(C).fit(X, y, sample_weight=w)
        coef = model.coef_[0].astype(np.float64)
        if self.monotone:
            coef = project(coef, np.asarray(X.sum(axis=0)).ravel(), self.monotone)
        return coef, float(model.intercept_[0]), model.n_iter_

    def _raw(self, C: float, X: Any, y: np.ndarray, w: np.ndarray, X_valid: Any) -> np.ndarray:
        coef, intercept, _ = self._fitted(C, X, y, w)
        return np.asarray(X_valid @ coef).ravel() + intercept

    def _held_out_raw(
        self, X: np.ndarray, y: np.ndarray, w: np.ndarray, C: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw logits on held-out rows, with their labels and sample weights."""
        n = len(y)
        empty = np.array([])
        if self.time_ordered:
            cut = int(n * (1 - self.validation_fraction))
            train, valid = np.arange(cut), np.arange(cut, n)
            if len(np.unique(y[train])) < 2 or len(valid) == 0:
                return empty, empty, empty
            return self._raw(C, X[train], y[train], w[train], X[valid]), y[valid], w[valid]
        folds = min(3, int(np.bincount(y).min()))
        if folds < 2:
            return empty, empty, empty
        raw = np.empty(n)
        for train, valid in StratifiedKFold(folds, shuffle=True, random_state=self.random_state).split(X, y):
            raw[valid] = self._raw(C, X[train], y[train], w[train], X[valid])
        return raw, y, w

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Fit; ``sample_weight`` (one per row, default 1) weighs each row wherever rows count: the
        logistic fits, the held-out AUC that chooses ``C`` (a row of weight w counts w in every pair)
        and the Platt calibration (all weighted fits)."""
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, ensure_min_samples=2)
        w = _sample_weight(sample_weight, X.shape[0])
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type not in ("binary", "unknown") and len(np.unique(y)) > 2:
            raise ValueError(f"Only binary classification is supported. The type of the target is {y_type}.")
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError("ConversionModel needs two classes to learn from; the target has only one class")
        best_c, best_auc, best_raw, best_y, best_w = self.Cs[0], -1.0, *(np.array([]),) * 3
        for C in self.Cs:
            raw, labels, weights = self._held_out_raw(X, encoded, w, C)
            if raw.size == 0 or len(np.unique(labels[weights > 0])) < 2:
                continue
            auc = roc_auc_score(labels, raw, sample_weight=weights)
            if auc > best_auc + 1e-4:
                best_c, best_auc, best_raw, best_y, best_w = C, auc, raw, labels, weights
        self.C_ = float(best_c)
        self.validation_auc_ = float(best_auc) if best_auc >= 0 else float("nan")
        self.calibration_ = (1.0, 0.0)
        if self.calibrate and best_raw.size and len(np.unique(best_y)) == 2:
            platt = LogisticRegression(C=1e6, max_iter=1000)
            platt.fit(best_raw.reshape(-1, 1), best_y, sample_weight=best_w)
            self.calibration_ = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        self.coef_, self.intercept_, self.n_iter_ = self._fitted(self.C_, X, encoded, w)
        self.mean_ = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=np.float64)
        a, b = self.calibration_
        return a * (np.asarray(X @ self.coef_).ravel() + self.intercept_) + b

    def predict_proba(self, X: Any) -> np.ndarray:
        logit = self.decision_function(X)
        positive = 1.0 / (1.0 + np.exp(-logit))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray(self.classes_[(self.decision_function(X) > 0).astype(int)])

    def contributions(self, X: Any) -> tuple[np.ndarray, float]:
        """Per-column contributions to the calibrated logit, and the expected logit they add to."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=np.float64)
        X = X.toarray() if sparse.issparse(X) else X
        a, b = self.calibration_
        expected = a * (self.intercept_ + float(self.coef_ @ self.mean_)) + b
        return a * (X - self.mean_) * self.coef_, expected
