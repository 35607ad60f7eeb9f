"""Small self-contained SVG charts (lift by decile, calibration): no network, no JS.

Each chart paints its own white card (with a border), and every mark and label has an explicit
colour chosen for contrast on that card, so a chart reads the same on a light page, a dark page or
an image viewer with a dark background. The CLI's ``--charts`` and the admin model page use them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

BACKGROUND = "#ffffff"
BORDER = "#8c959f"
INK = "#1f2328"  # titles, values, axis labels: contrast 15.8:1 on white
MUTED = "#57606a"  # axes, tick labels, the reference lines: 6.4:1
GRID = "#d8dee4"
BAR = "#1f6feb"  # 4.6:1 against white
MODEL = "#bc4c00"  # 5.0:1


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>'


def _frame(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img">'
        f"<title>{escape(title)}</title>"
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="6" fill="{BACKGROUND}" '
        f'stroke="{BORDER}"/>'
        + _text(12, 20, title, extra=' font-size="13" font-weight="bold"')
        + body
        + "</svg>"
    )


def _nice_top(value: float) -> float:
    """The axis maximum: the next half step above ``value`` (at least 2x, so the 1x line shows)."""
    top = max(value, 2.0)
    return float(int(top * 2 + 0.999)) / 2


def lift_chart(lift: Sequence[Mapping[str, Any]], width: int = 440, height: int = 250) -> str:
    """Bars of each decile's lift (its conversion rate over the average), each labelled with its value."""
    top = _nice_top(max([float(row["lift"]) for row in lift] + [0.0]))
    left, right, bottom, plot_h = 42, width - 12, height - 42, height - 90
    bar_w = (right - left) / max(len(lift), 1)

    def y_of(value: float) -> float:
        return bottom - plot_h * value / top

    parts = []
    ticks = [0.0, 1.0, top] if top > 1.5 else [0.0, top]
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y_of(tick):.1f}" y2="{y_of(tick):.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y_of(tick) + 4, f"{tick:g}x", anchor="end", fill=MUTED))
    for i, row in enumerate(lift):
        value = float(row["lift"])
        x = left + i * bar_w
        parts.append(
            f'<rect x="{x + 3:.1f}" y="{y_of(value):.1f}" width="{bar_w - 6:.1f}" '
            f'height="{bottom - y_of(value):.1f}" fill="{BAR}"><title>decile {row["decile"]}: '
            f"{value:.1f}x the average conversion rate</title></rect>"
        )
        parts.append(
            _text(x + bar_w / 2, y_of(value) - 4, f"{value:.1f}x", anchor="middle", extra=' font-size="10"')
        )
        parts.append(_text(x + bar_w / 2, bottom + 14, str(row["decile"]), anchor="middle", fill=MUTED))
    parts.append(
        f'<line x1="{left}" x2="{right}" y1="{y_of(1.0):.1f}" y2="{y_of(1.0):.1f}" stroke="{MUTED}" '
        'stroke-dasharray="5 3"/>'
    )
    parts.append(f'<line x1="{left}" x2="{left}" y1="{bottom}" y2="{bottom - plot_h}" stroke="{MUTED}"/>')
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')
    parts.append(_text(right, 38, "dashed line: the average lead (1x)", anchor="end", fill=MUTED))
    parts.append(
        _text((left + right) / 2, height - 10, "decile of leads by score (1 = the top 10%)", anchor="middle")
    )
    return _frame(width, height, "Lift by decile", "".join(parts))


def calibration_chart(table: Sequence[Mapping[str, Any]], width: int = 300, height: int = 300) -> str:
    """Predicted probability against the observed conversion rate, both axes 0 to 1, with the
    diagonal of perfect calibration named in a legend."""
    left, top_margin, size = 48, 58, min(width - 66, height - 102)
    bottom = top_margin + size

    def at(predicted: float, observed: float) -> tuple[float, float]:
        return left + size * min(max(predicted, 0.0), 1.0), bottom - size * min(max(observed, 0.0), 1.0)

    parts = []
    for tick in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        x, y = at(tick, tick)
        parts.append(f'<line x1="{left}" x2="{left + size}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{top_margin}" stroke="{GRID}"/>')
        parts.append(_text(left - 5, y + 4, f"{tick:g}", anchor="end", fill=MUTED))
        parts.append(_text(x, bottom + 14, f"{tick:g}", anchor="middle", fill=MUTED))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{left + size}" y2="{bottom}" stroke="{MUTED}"/>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{left}" y2="{top_margin}" stroke="{MUTED}"/>')
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{left + size}" y2="{top_margin}" stroke="{MUTED}" '
        'stroke-dasharray="5 3"><title>perfect calibration</title></line>'
    )
    points = [at(float(r["mean_predicted"]), float(r["observed_rate"])) for r in table]
    if points:
        drawn = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{drawn}" fill="none" stroke="{MODEL}" stroke-width="2"/>')
    for r, (x, y) in zip(table, points, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{MODEL}"><title>predicted '
            f"{r['mean_predicted']:.2f}, observed {r['observed_rate']:.2f} (n={r['count']})</title></circle>"
        )
    # the legend, above the plot
    parts.append(f'<line x1="12" x2="34" y1="38" y2="38" stroke="{MUTED}" stroke-dasharray="5 3"/>')
    parts.append(_text(38, 42, "perfect calibration"))
    parts.append(f'<line x1="152" x2="174" y1="38" y2="38" stroke="{MODEL}" stroke-width="2"/>')
    parts.append(f'<circle cx="163" cy="38" r="3" fill="{MODEL}"/>')
    parts.append(_text(178, 42, "this model"))
    parts.append(_text(left + size / 2, bottom + 32, "predicted probability", anchor="middle"))
    parts.append(
        _text(
            14,
            top_margin + size / 2,
            "observed conversion rate",
            anchor="middle",
            extra=f' transform="rotate(-90 14 {top_margin + size / 2:.1f})"',
        )
    )
    return _frame(width, height, "Calibration", "".join(parts))
