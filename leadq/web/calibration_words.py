"""The model page's calibration in plain language: the reliability table (chances given against how
many converted, with the range the true rate could be in), the same per tier and per segment, and a
warning for each tier or segment whose chances were off by more than chance explains
(``scoring.calibration``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scoring.calibration import MIN_GROUP


def _pct(value: Any) -> str:
    """A rate as a percentage, with a decimal below 10% (0.4% is not 0%)."""
    if value is None:
        return "-"
    return f"{float(value):.1%}" if 0 < float(value) < 0.095 else f"{float(value):.0%}"


def ece_words(ece: float | None) -> str:
    """The expected calibration error as the page says it."""
    if ece is None:
        return ""
    points = float(ece) * 100
    return (
        f"Expected calibration error (ECE): {points:.1f} percentage points. It is the average gap between "
        "the chance the model gave and the share that converted, over the ten groups of leads below "
        "(0 would be perfect)."
    )


def reliability_rows(table: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(chance given, leads, converted, 95% range) per equal-count group of leads, lowest chance first;
    empty for a model trained before the table had its ranges."""
    if not table or "low" not in table[0]:
        return []
    return [
        (
            _pct(row["mean_predicted"]),
            f"{int(row['count']):,}",
            f"{_pct(row['observed_rate'])} ({int(row['wins']):,} of {int(row['count']):,})",
            f"{_pct(row['low'])} to {_pct(row['high'])}",
        )
        for row in table
    ]


def verdict(row: Mapping[str, Any]) -> str:
    """One group's calibration in a few words."""
    if row.get("mean_predicted") is None:
        return "no leads"
    if row.get("off"):
        gap = abs(float(row["mean_predicted"]) - float(row["observed_rate"])) * 100
        return (
            f"chances {row['off']} by {gap:.0f} points: more than chance explains "
            f"(about {float(row['allowed']) * 100:.0f} either way)"
        )
    if int(row.get("count") or 0) < MIN_GROUP:
        return "too few leads to judge"
    return f"as predicted, within what chance explains (about {float(row['allowed']) * 100:.0f} either way)"


def group_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per tier or segment: its name, leads, chance given, converted, 95% range, verdict and flag."""
    return [
        {
            "group": str(row["group"]),
            "count": f"{int(row['count']):,}",
            "predicted": _pct(row.get("mean_predicted")),
            "observed": _pct(row.get("observed_rate")),
            "range": f"{_pct(row.get('low'))} to {_pct(row.get('high'))}",
            "verdict": verdict(row),
            "off": bool(row.get("off")),
        }
        for row in rows
    ]


def off_warnings(metrics: Mapping[str, Any]) -> list[str]:
    """A sentence for each tier or segment whose chances were off by more than chance explains."""
    out = []
    segment = f"{metrics.get('segments_by') or 'segment'}"
    for key, what in (("calibration_by_tier", "{} leads"), ("calibration_by_segment", "Leads of {}")):
        for row in metrics.get(key) or []:
            if not row.get("off"):
                continue
            name = what.format(
                row["group"] if key.endswith("tier") else f"{segment} \u201c{row['group']}\u201d"
            )
            predicted, observed = float(row["mean_predicted"]), float(row["observed_rate"])
            out.append(
                f"{name} were given a {predicted:.0%} chance on average, but {observed:.0%} of the "
                f"{int(row['count']):,} converted: the model's chances for them are {row['off']} by "
                f"{abs(predicted - observed) * 100:.0f} points, more than chance explains (about "
                f"{float(row['allowed']) * 100:.0f} either way). Take their chances with care; retraining "
                "once more of their deals have closed lets the model catch up."
            )
    return out
