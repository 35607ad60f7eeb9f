"""The figures a trained model keeps from its held-out outcomes, which monitoring compares go-live
with: the top 30%'s share of conversions and the expected calibration error."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.evaluate import calibration_error, top_share_capture
from scoring.training import train_crm_model
from tests.builders import sandbox_examples
from tests.support.monitor_sim import ICP


def test_top_share_capture_counts_the_conversions_in_the_top_30_percent_by_probability():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 1, 0])  # 2 of the 4 wins among the top 3
    assert top_share_capture(y, p) == 0.5
    assert top_share_capture(np.zeros(10), p) is None


def test_calibration_error_is_the_count_weighted_gap_of_equal_count_bins():
    p = np.array([0.2] * 10 + [0.6] * 10)
    y = np.array([1] * 4 + [0] * 6 + [1] * 6 + [0] * 4)  # 40% won at 20%; 60% won at 60%
    assert calibration_error(y, p, bins=2) == pytest.approx(0.1)


def test_a_trained_model_keeps_its_held_out_figures_in_its_metadata(seeded_portal_examples):
    trained = train_crm_model(seeded_portal_examples, ICP, version="m-held-out")
    assert trained.model is not None
    report = trained.report
    assert 0 < report["top30_capture"] <= 1 and 0 <= report["ece"] < 1
    kept = trained.model.metadata["holdout"]
    assert kept["top30_capture"] == report["top30_capture"] and kept["ece"] == report["ece"]
    assert kept["base_rate"] == report["base_rate"] and kept["n_test"] == report["n_test"]


@pytest.fixture(scope="module")
def seeded_portal_examples():
    portal = Portal(portal_id=1, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=1, records=2000)
    return list(sandbox_examples(portal))
