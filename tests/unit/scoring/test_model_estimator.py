"""ConversionModel is a conforming scikit-learn estimator, and its contributions are exact."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from scoring.model import ConversionModel

# Every scikit-learn check but the array-API one: ConversionModel makes no array-API claim (it
# works on NumPy matrices from FeatureEncoder), and that check can only skip without SCIPY_ARRAY_API.
# A row of weight 2 is not the same as the row twice, for a reason (as scikit-learn says of its own
# LogisticRegressionCV): C and the calibration are chosen on held-out folds, where a row of weight 2
# sits in one fold and its copy may sit in another. What weights do promise is tested below.
HELD_OUT_FOLDS = (
    "C and the Platt calibration are fitted on held-out folds: a duplicated row may fall in another fold"
)
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": HELD_OUT_FOLDS,
    "check_sample_weight_equivalence_on_sparse_data": HELD_OUT_FOLDS,
}
CHECKS = [
    (e, c)
    for e, c in estimator_checks_generator(ConversionModel(Cs=(1.0,)))
    if getattr(c, "func", c).__name__ != "check_array_api_input"
]


def _name(check) -> str:
    return getattr(check, "func", check).__name__


@pytest.mark.parametrize(
    ("estimator", "check"),
    [
        pytest.param(e, c, marks=pytest.mark.xfail(reason=EXPECTED_FAILURES[_name(c)], strict=True))
        if _name(c) in EXPECTED_FAILURES
        else (e, c)
        for e, c in CHECKS
    ],
    ids=[_name(c) for _e, c in CHECKS],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_a_row_of_weight_two_fits_as_the_row_twice_once_c_and_calibration_are_fixed():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(300, 6)).astype(float)
    y = (X[:, 0] - X[:, 1] + rng.normal(0, 0.7, 300) > 0).astype(int)
    weights = rng.integers(0, 3, size=300).astype(float)
    fixed = {"Cs": (0.3,), "calibrate": False}
    weighted = ConversionModel(**fixed).fit(X, y, sample_weight=weights)
    repeated = np.repeat(np.arange(300), weights.astype(int))
    copies = ConversionModel(**fixed).fit(X[repeated], y[repeated])
    assert np.allclose(weighted.coef_, copies.coef_, atol=1e-4)
    assert abs(weighted.intercept_ - copies.intercept_) < 1e-4


def test_down_weighted_rows_teach_less_and_bad_weights_are_refused():
    """Down-weighting the rows that carry a feature's signal weakens what the model learns from it."""
    rng = np.random.default_rng(2)
    X = rng.integers(0, 2, size=(800, 5)).astype(float)
    y = (X[:, 0] + rng.normal(0, 0.6, 800) > 0.5).astype(int)
    plain = ConversionModel(time_ordered=True).fit(X, y)
    agreeing = (X[:, 0] == 1) & (y == 1)
    weights = np.where(agreeing, 0.1, 1.0)
    weighted = ConversionModel(time_ordered=True).fit(X, y, sample_weight=weights)
    assert weighted.coef_[0] < plain.coef_[0]
    with pytest.raises(ValueError, match="sample_weight"):
        ConversionModel().fit(X, y, sample_weight=-np.ones(800))
    with pytest.raises(ValueError, match="sample_weight has 3 values for 800 rows"):
        ConversionModel().fit(X, y, sample_weight=[1.0, 1.0, 1.0])


def test_contributions_add_up_to_the_calibrated_logit():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(600, 12)).astype(float)
    y = (X[:, 0] + X[:, 1] - X[:, 2] + rng.normal(0, 0.8, 600) > 0.5).astype(int)
    model = ConversionModel(time_ordered=True).fit(X, y)
    parts, expected = model.contributions(X)
    assert np.allclose(parts.sum(axis=1) + expected, model.decision_function(X))
    assert model.C_ in model.Cs and model.calibration_[0] > 0


def test_one_class_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="two classes"):
        ConversionModel().fit(np.ones((20, 2)), np.zeros(20))
