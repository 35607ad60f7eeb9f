"""The statistics, against hand-computed and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring.stats import PSI_EPSILON, brier, ece, percentile, psi, wilson


@pytest.mark.parametrize(
    ("hits", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # the textbook cases of the Wilson score interval
        (0, 10, 0.0, 0.2775),
        (1, 10, 0.0179, 0.4042),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_the_published_values(hits: int, n: int, low: float, high: float) -> None:
    rate = wilson(hits, n)
    assert rate.rate == pytest.approx(hits / n)
    assert rate.low == pytest.approx(low, abs=5e-5)
    assert rate.high == pytest.approx(high, abs=5e-5)
    assert (rate.hits, rate.n) == (hits, n)


def test_wilson_of_nothing_is_undefined_not_a_division_by_zero() -> None:
    rate = wilson(0, 0)
    assert (rate.rate, rate.low, rate.high, rate.n) == (None, None, None, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson(3, 2)


def test_psi_by_hand() -> None:
    # 50/50 against 25/75: (0.25 - 0.5) ln(0.25/0.5) + (0.75 - 0.5) ln(0.75/0.5)
    assert psi([50, 50], [25, 75]) == pytest.approx(0.25 * math.log(2) + 0.25 * math.log(1.5))
    assert psi([50, 50], [25, 75]) == pytest.approx(0.274653, abs=1e-6)


def test_psi_puts_the_fixed_epsilon_in_an_empty_bin() -> None:
    expected = (0.5 - 1) * math.log(0.5 / 1) + (0.5 - PSI_EPSILON) * math.log(0.5 / PSI_EPSILON)
    assert psi([100, 0], [50, 50]) == pytest.approx(expected)
    assert PSI_EPSILON == 1e-4  # fixed: the same counts always give the same index
    assert psi([0, 0], [1, 2]) is None
    assert psi([1, 2], [0, 0]) is None


@given(
    st.lists(st.integers(0, 10_000), min_size=2, max_size=12).flatmap(
        lambda e: st.tuples(st.just(e), st.lists(st.integers(0, 10_000), min_size=len(e), max_size=len(e)))
    )
)
def test_psi_is_never_negative(counts: tuple[list[int], list[int]]) -> None:
    expected, actual = counts
    value = psi(expected, actual)
    if sum(expected) == 0 or sum(actual) == 0:
        assert value is None
    else:
        assert value is not None and value >= 0


@given(st.lists(st.integers(0, 5_000), min_size=1, max_size=12), st.integers(1, 20))
def test_identical_distributions_give_zero(counts: list[int], scale: int) -> None:
    if sum(counts) == 0:
        return
    value = psi(counts, [c * scale for c in counts])
    assert value == pytest.approx(0.0, abs=1e-12)


def test_ece_weights_the_bins_by_their_counts() -> None:
    # |0.2 - 0.1| on 30 records and |0.4 - 0.5| on 10: (0.1 * 30 + 0.1 * 10) / 40
    assert ece([0.1, 0.5], [0.2, 0.4], [30, 10]) == pytest.approx(0.1)
    # a bin of 10 off by 0.3, one of 30 spot on: 0.3 * 10 / 40
    assert ece([0.1, 0.5], [0.4, 0.5], [10, 30]) == pytest.approx(0.075)
    assert ece([0.1], [0.2], [0]) is None


def test_brier_by_hand() -> None:
    assert brier([0.2, 0.9], [0, 1]) == pytest.approx((0.04 + 0.01) / 2)
    assert brier([0.5] * 4, [0, 1, 0, 1]) == pytest.approx(0.25)
    assert brier([], []) is None


def test_nearest_rank_percentiles() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2
    assert percentile([1, 2, 3, 4, 100], 90) == 100
    assert percentile([1, 2, 3, 4, 100], 50) == 3
    assert percentile(np.arange(1, 101), 90) == 90
    assert percentile([], 50) is None
