"""ConversionModel is a conforming scikit-learn estimator, and its contributions are exact."""

from __future__ import annotations

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from scoring.model import ConversionModel


@parametrize_with_checks([ConversionModel(Cs=(1.0,))])
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
    import pytest

    with pytest.raises(ValueError, match="two classes"):
        ConversionModel().fit(np.ones((20, 2)), np.zeros(20))
