"""The SVG charts read on any background: their own opaque card, text with enough contrast on it,
each lift bar labelled with its value, a calibration chart from 0 to 1 with a legend."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from scoring.charts import calibration_chart, lift_chart

NS = "{http://www.w3.org/2000/svg}"
LIFT = [
    {"decile": d, "lift": v, "conversion_rate": 0.1, "count": 231}
    for d, v in zip(range(1, 11), [2.6, 2.5, 2.5, 1.9, 0.4, 0.1, 0.1, 0.0, 0.0, 0.0], strict=True)
]
LOW_CALIBRATION = [  # a low-converting funnel: every point under 0.3
    {"bin": i, "mean_predicted": round(0.03 * i, 2), "observed_rate": round(0.025 * i, 3), "count": 50}
    for i in range(1, 11)
]


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


@pytest.mark.parametrize(
    "svg", [lift_chart(LIFT), calibration_chart(LOW_CALIBRATION)], ids=["lift", "calibration"]
)
def test_a_chart_paints_its_own_background_and_every_text_contrasts_with_it(svg):
    root = _parse(svg)
    card = next(root.iter(f"{NS}rect"))  # drawn first, under everything
    assert card.get("fill") and card.get("fill") != "none"
    assert float(card.get("width")) >= float(root.get("width")) - 1
    assert float(card.get("height")) >= float(root.get("height")) - 1
    texts = list(root.iter(f"{NS}text"))
    assert texts
    for text in texts:
        fill = text.get("fill")
        assert fill, f"text {text.text!r} has no colour of its own"
        assert contrast(fill, card.get("fill")) >= 4.5, (text.text, fill)
    # the marks are visible on the card too: bars, lines and points
    for mark in [*root.iter(f"{NS}rect")][1:] + [*root.iter(f"{NS}polyline")]:
        colour = mark.get("fill") if mark.tag.endswith("rect") else mark.get("stroke")
        assert contrast(colour, card.get("fill")) >= 3, (mark.tag, colour)


def test_each_lift_bar_is_labelled_with_its_value():
    root = _parse(lift_chart(LIFT))
    labels = [t.text for t in root.iter(f"{NS}text")]
    for row in LIFT:
        assert f"{row['lift']:.1f}x" in labels
    assert any("average" in (label or "") for label in labels)  # the dashed 1x line says what it is
    bars = list(root.iter(f"{NS}rect"))[1:]
    assert len(bars) == 10
    heights = [float(b.get("height")) for b in bars]
    assert heights == sorted(heights, reverse=True) and heights[0] > 0 and heights[-1] == 0


def test_calibration_axes_run_from_0_to_1_with_a_legend_for_the_diagonal():
    svg = calibration_chart(LOW_CALIBRATION)
    root = _parse(svg)
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert labels.count("0") == 2 and labels.count("1") == 2  # both axes start at 0 and end at 1
    assert "perfect calibration" in labels and "this model" in labels
    assert "predicted probability" in labels and "observed conversion rate" in labels
    diagonal = next(line for line in root.iter(f"{NS}line") if line.get("stroke-dasharray"))
    x1, y1, x2, y2 = (float(diagonal.get(k)) for k in ("x1", "y1", "x2", "y2"))
    # the model's points (all under 0.3) sit in the lower-left third of the square, not stretched to it
    for cx, cy in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="3" fill="[^"]+"><title>', svg):
        assert float(cx) < x1 + 0.31 * (x2 - x1) and float(cy) > y1 - 0.31 * (y1 - y2)
