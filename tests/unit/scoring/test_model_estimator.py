"""ConversionModel is a conforming scikit-learn estimator, and its contributions are exact."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from scoring.model import ConversionModel

# Every scikit-learn check but the array-API one: ConversionModel makes no array-API claim (it
# works on NumPy matrices from FeatureEncoder), and that check can only skip without SCIPY_ARRAY_API.
CHECKS = [
    (e, c)
    for e, c in estimator_checks_generator(ConversionModel(Cs=(1.0,)))
    if getattr(c, "func", c).__name__ != "check_array_api_input"
]


@pytest.mark.parametrize(
    ("estimator", "check"), CHECKS, ids=[getattr(c, "func", c).__name__ for _e, c in CHECKS]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


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
