"""The model page shows calibration an admin can trust: the expected calibration error in words, the
reliability table of the champion's held-out leads (chance given, leads, converted, the 95% range),
and calibration per tier and per company-size segment, each with its verdict."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from leadq.web.calibration_words import off_warnings
from scoring.calibration import by_group
from tests.support.admin import sign_in


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=62, records=1200, rate_limit=10_000)


def _cells(page: str, table_id: str) -> list[list[str]]:
    """The body rows of a table on the page, as the text of their cells."""
    found = re.search(rf'<table id="{table_id}".*?<tbody>(.*?)</tbody>', page, flags=re.S)
    assert found, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), flags=re.S)
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<td>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]


def _said(rate: float) -> str:
    """A rate as the page writes it: whole percent, one decimal below 10% (but not 0)."""
    return f"{rate:.1%}" if 0 < rate < 0.095 else f"{rate:.0%}"


def test_the_model_page_shows_the_reliability_table_and_calibration_by_tier_and_size(
    client, accounts, ctx
) -> None:
    from storage import models_registry
    from workers.services.retrain import retrain

    mine = accounts["alice"]
    sign_in(client, "alice")
    assert retrain(ctx)["promoted"]
    with ctx.sessions() as db:
        metrics = models_registry.champion(db, mine).metrics
    page = client.get(f"/installations/{mine}/model").get_data(as_text=True)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert f"Expected calibration error (ECE): {metrics['ece'] * 100:.1f} percentage points" in text
    reliability = _cells(page, "champion-reliability")
    assert reliability == [
        [
            _said(row["mean_predicted"]),
            f"{row['count']:,}",
            f"{_said(row['observed_rate'])} ({row['wins']:,} of {row['count']:,})",
            f"{_said(row['low'])} to {_said(row['high'])}",
        ]
        for row in metrics["calibration"]
    ]
    assert len(reliability) == 10
    tiers = _cells(page, "champion-calibration-tiers")
    assert [row[0] for row in tiers] == [r["group"] for r in metrics["calibration_by_tier"]]
    for shown, row in zip(tiers, metrics["calibration_by_tier"], strict=True):
        assert shown[1:4] == [f"{row['count']:,}", _said(row["mean_predicted"]), _said(row["observed_rate"])]
        if row["off"]:
            assert shown[5].startswith(f"chances {row['off']} by"), shown
        else:
            assert shown[5].startswith(("as predicted", "too few leads")), shown
    assert "By company size: is each segment's chance what it wins?" in text
    sizes = _cells(page, "champion-calibration-segments")
    assert [row[0] for row in sizes] == [r["group"] for r in metrics["calibration_by_segment"]]
    assert any(row[0].startswith("small companies") for row in sizes), sizes
    flagged = [r for r in metrics["calibration_by_tier"] + metrics["calibration_by_segment"] if r["off"]]
    assert text.count("were given a") == len(flagged), "one warning per group off by more than chance"


def test_a_segment_off_by_more_than_chance_is_said_in_plain_words() -> None:
    rng = np.random.default_rng(3)
    p = np.full(800, 0.2)
    groups = ["small companies (under 200 employees)"] * 400 + ["enterprises (1,000+ employees)"] * 400
    y = np.array([int(rng.random() < (0.2 if g.startswith("small") else 0.05)) for g in groups])
    metrics = {
        "segments_by": "company size",
        "calibration_by_tier": [],
        "calibration_by_segment": by_group(y, p, groups, sorted(set(groups))),
    }
    said = off_warnings(metrics)
    assert len(said) == 1, said
    assert said[0].startswith(
        "Leads of company size \u201centerprises (1,000+ employees)\u201d were given a 20% chance on average"
    )
    assert (
        "the model's chances for them are too high by" in said[0] and "more than chance explains" in said[0]
    )
