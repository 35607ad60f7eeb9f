"""Calibration you can trust: every report gives the expected calibration error and a reliability
table (predicted against observed by equal-count bin, with counts and a 95% interval), and checks
calibration per tier and per segment, flagging a group only when it is off by more than chance
allows."""

from __future__ import annotations

import csv
import io
import math
import random
import re
from datetime import date, timedelta

import numpy as np
import pytest
from click.testing import CliRunner

from leadq.cli import main
from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.calibration import SIZE_BANDS, SIZE_UNKNOWN, by_group, group_row
from scoring.evaluate import calibration_error, calibration_table
from scoring.training import train_crm_model
from tests.builders import sandbox_examples
from tests.support.monitor_sim import ICP


def test_the_reliability_table_matches_a_hand_computation():
    p = np.array([0.1] * 5 + [0.3] * 5 + [0.6] * 5 + [0.8] * 5)
    y = np.array([0, 0, 0, 0, 1] + [1, 1, 0, 0, 0] + [1, 1, 1, 0, 0] + [1, 1, 1, 1, 0])
    table = calibration_table(y, p, bins=2)
    # bin 1: ten leads at 0.1 and 0.3, mean 0.2, 3 won; bin 2: ten at 0.6 and 0.8, mean 0.7, 7 won.
    # Wilson 95% for 3 of 10: (3 + 1.92) / 13.84 -/+ 1.96 * sqrt(3 * 7 / 10 + 0.96) / 13.84.
    assert table == [
        {
            "bin": 1,
            "mean_predicted": 0.2,
            "observed_rate": 0.3,
            "count": 10,
            "wins": 3,
            "low": 0.1078,
            "high": 0.6032,
        },
        {
            "bin": 2,
            "mean_predicted": 0.7,
            "observed_rate": 0.7,
            "count": 10,
            "wins": 7,
            "low": 0.3968,
            "high": 0.8922,
        },
    ]
    assert calibration_error(y, p, bins=2) == pytest.approx((0.1 * 10 + 0.0 * 10) / 20)


def test_a_group_off_by_more_than_chance_is_flagged_and_a_calibrated_one_is_not():
    rng = np.random.default_rng(5)
    p = np.full(1200, 0.3)
    wins_at = {"calibrated": 0.3, "planted": 0.45, "small": 0.9}
    groups = ["calibrated"] * 600 + ["planted"] * 585 + ["small"] * 15
    y = np.array([int(rng.random() < wins_at[g]) for g in groups])
    rows = {r["group"]: r for r in by_group(y, p, groups, ("calibrated", "planted", "small", "absent"))}
    assert set(rows) == {"calibrated", "planted", "small"}, "a group with no leads is left out"
    assert rows["planted"]["off"] == "too low", rows["planted"]
    assert rows["calibrated"]["off"] is None, rows["calibrated"]
    assert rows["small"]["off"] is None, "15 leads are too few to judge, however far off"
    # What chance allows: z standard errors of a calibrated group's gap, sqrt(sum p(1 - p)) / n, with
    # z the 95% point shared by the two groups big enough to judge (Bonferroni: 2.24).
    assert rows["planted"]["allowed"] == pytest.approx(2.2414 * math.sqrt(585 * 0.21) / 585, abs=1e-4)


def test_the_allowance_shrinks_with_the_group_so_the_same_gap_is_flagged_only_in_a_big_group():
    few, many = group_row("few", np.array([1] * 16 + [0] * 24), np.full(40, 0.3)), None
    many = group_row("many", np.array([1] * 400 + [0] * 600), np.full(1000, 0.3))
    assert few["observed_rate"] == many["observed_rate"] == 0.4
    assert few["off"] is None and many["off"] == "too low"


@pytest.fixture(scope="module")
def sandbox_report():
    portal = Portal(portal_id=1, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=1, records=2000)
    trained = train_crm_model(list(sandbox_examples(portal)), ICP, version="m-calibration")
    assert trained.ready, trained.why
    return trained.report


def test_the_crm_training_report_checks_calibration_by_tier_and_company_size(sandbox_report):
    report = sandbox_report
    table = report["calibration"]
    assert sum(r["count"] for r in table) == report["n_test"]
    by_hand = (
        sum(abs(r["mean_predicted"] - r["observed_rate"]) * r["count"] for r in table) / report["n_test"]
    )
    assert report["ece"] == pytest.approx(by_hand, abs=2e-4)
    for row in table:
        assert row["low"] <= row["observed_rate"] <= row["high"]
        assert row["observed_rate"] == pytest.approx(row["wins"] / row["count"], abs=1e-4)
    tiers = report["calibration_by_tier"]
    assert [r["group"] for r in tiers] == [t for t in ("L1", "L2", "L3", "L4") if report["tiers"][t]["count"]]
    for row in tiers:
        assert row["count"] == report["tiers"][row["group"]]["count"]
        assert row["observed_rate"] == report["tiers"][row["group"]]["conversion_rate"]
    assert report["segments_by"] == "company size"
    names = [r["group"] for r in report["calibration_by_segment"]]
    assert set(names) <= {*(band for _, _, band in SIZE_BANDS), SIZE_UNKNOWN} and len(names) >= 2
    assert sum(r["count"] for r in report["calibration_by_segment"]) == report["n_test"]


def drifting_export(n: int = 2400, seed: int = 12) -> bytes:
    """Leads over a year whose North region starts converting far more in the newest months: a model
    trained on the older rows under-predicts North there; South and West stay as they were."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Created", "Region", "Visits", "Job Title", "Won"])
    start = date(2025, 1, 1)
    for i in range(n):
        region = rng.choice(["North", "South", "West"])
        visits = rng.randint(0, 10)
        title = rng.choice(["VP Sales", "Manager", "Analyst", "student"])
        logit = -2.0 + 0.3 * visits + (1.0 if title == "VP Sales" else 0.0)
        if region == "North" and i >= 0.75 * n:
            logit += 2.0
        won = int(rng.random() < 1 / (1 + math.exp(-logit)))
        writer.writerow([(start + timedelta(days=365 * i // n)).isoformat(), region, visits, title, won])
    return out.getvalue().encode()


def test_evaluate_says_the_ece_shows_the_reliability_table_and_flags_the_drifting_region(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(drifting_export())
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(path),
            "--target",
            "Won",
            "--time-column",
            "Created",
            "--json",
            str(tmp_path / "report.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    report = json.loads((tmp_path / "report.json").read_text())
    text = result.output
    ece = re.search(
        r"expected calibration error \(ECE\) (\d\.\d{3}): on average the predicted chances "
        r"were (\d+\.\d) percentage points away",
        text,
    )
    assert ece, text
    table = report["calibration"]
    by_hand = (
        sum(abs(r["mean_predicted"] - r["observed_rate"]) * r["count"] for r in table) / report["n_test"]
    )
    assert float(ece.group(1)) == pytest.approx(by_hand, abs=6e-4)
    for row in table:
        assert (
            f"bin {row['bin']}: {row['mean_predicted']:.3f} -> {row['observed_rate']:.3f} "
            f"({row['count']:,} leads, {row['low']:.3f}-{row['high']:.3f})"
        ) in text
    assert "calibration by Region:" in text and "calibration by tier:" in text
    segments = {r["group"]: r for r in report["calibration_by_segment"]}
    assert segments["North"]["off"] == "too low", segments["North"]
    assert segments["South"]["off"] is None and segments["West"]["off"] is None
    warned = [line for line in text.splitlines() if line.startswith("WARNING: Region segment")]
    assert len(warned) == 1 and warned[0].startswith("WARNING: Region segment North: given a "), warned
    assert "the chances are too low by" in warned[0]


def test_train_reports_calibration_on_its_training_rows(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(drifting_export(n=1200))
    result = CliRunner().invoke(
        main, ["train", str(path), "--target", "Won", "--out", str(tmp_path / "m.json")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "calibration on the rows it was trained on (optimistic: 'leadq evaluate' checks held-out rows): "
        "expected calibration error (ECE)" in result.output
    )
    assert result.output.count("  bin ") == 10 and "calibration by tier:" in result.output
    assert "calibration by Region:" in result.output


def test_a_flagged_groups_sentence_never_says_a_zero_point_allowance():
    from scoring.calibration import off_words

    row = {
        "group": "L1",
        "mean_predicted": 0.062,
        "observed_rate": 0.031,
        "low": 0.025,
        "high": 0.038,
        "count": 12_000,
        "off": "too high",
        "allowed": 0.004,
    }
    said = off_words(row, "Tier")
    assert "too high by 3.1 points, more than the 0.4 points chance allows" in said, said
    wide = off_words({**row, "mean_predicted": 0.45, "allowed": 0.12}, "Tier")
    assert "by 42 points, more than the 12 points chance allows" in wide, wide
