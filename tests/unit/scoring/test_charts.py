"""Charts are well-formed, self-contained SVG (no scripts, no external references)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from scoring.charts import calibration_chart, lift_chart

LIFT = [{"decile": i, "lift": 2.5 - i * 0.25, "conversion_rate": 0.1, "count": 10} for i in range(1, 11)]
CALIBRATION = [
    {"bin": i, "mean_predicted": i / 10, "observed_rate": i / 11, "count": 10} for i in range(1, 11)
]


def test_charts_are_valid_svg_without_scripts_or_links():
    for svg in (lift_chart(LIFT), calibration_chart(CALIBRATION)):
        root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
        assert root.tag.endswith("svg")
        assert (
            "<script" not in svg
            and "href" not in svg
            and "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        )
    assert lift_chart(LIFT).count("<rect") == 11  # background + ten deciles
