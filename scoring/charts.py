"""Small self-contained SVG charts (lift by decile, calibration): no network, no JS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape


def _frame(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">'
        f'<title>{escape(title)}</title><rect width="100%" height="100%" fill="white"/>'
        f'<text x="10" y="16" font-size="13" font-weight="bold">{escape(title)}</text>{body}</svg>'
    )


def lift_chart(lift: Sequence[Mapping[str, Any]], width: int = 420, height: int = 220) -> str:
    top = max([row["lift"] for row in lift] + [1.0])
    left, bottom, plot_h = 40, height - 25, height - 55
    bar_w = (width - left - 10) / max(len(lift), 1)
    parts = []
    for i, row in enumerate(lift):
        h = plot_h * row["lift"] / top
        x = left + i * bar_w
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{bottom - h:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" '
            f'fill="#3b7dd8"><title>decile {row["decile"]}: {row["lift"]}x</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{bottom + 14}" text-anchor="middle">{row["decile"]}</text>'
        )
    one = bottom - plot_h / top
    parts.append(
        f'<line x1="{left}" x2="{width - 10}" y1="{one:.1f}" y2="{one:.1f}" stroke="#999" '
        'stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="4" y="{one + 4:.1f}">1x</text><text x="4" y="{bottom - plot_h + 4:.1f}">{top:.1f}x</text>'
    )
    return _frame(width, height, "Lift by decile (1 = top 10%)", "".join(parts))


def calibration_chart(table: Sequence[Mapping[str, Any]], width: int = 260, height: int = 260) -> str:
    left, bottom, size = 40, height - 25, min(width, height) - 65
    top = max([1e-9] + [max(r["mean_predicted"], r["observed_rate"]) for r in table])
    scale = size / max(top, 0.05)
    top_label = f"{max(top, 0.05):.2f}"
    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{left + size}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{left}" y2="{bottom - size}" stroke="#333"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{left + size}" y2="{bottom - size}" stroke="#bbb" '
        'stroke-dasharray="4 3"><title>perfect calibration</title></line>',
        f'<text x="{left - 4}" y="{bottom + 4}" text-anchor="end">0</text>',
        f'<text x="{left - 4}" y="{bottom - size + 4}" text-anchor="end">{top_label}</text>',
        f'<text x="{left + size}" y="{bottom + 14}" text-anchor="middle">{top_label}</text>',
    ]
    points = " ".join(
        f"{left + r['mean_predicted'] * scale:.1f},{bottom - r['observed_rate'] * scale:.1f}" for r in table
    )
    parts.append(f'<polyline points="{points}" fill="none" stroke="#d8573b" stroke-width="2"/>')
    for r in table:
        parts.append(
            f'<circle cx="{left + r["mean_predicted"] * scale:.1f}" '
            f'cy="{bottom - r["observed_rate"] * scale:.1f}" r="3" fill="#d8573b"><title>predicted '
            f"{r['mean_predicted']:.2f}, observed {r['observed_rate']:.2f} (n={r['count']})</title></circle>"
        )
    parts.append(f'<text x="{left + size / 2}" y="{bottom + 16}" text-anchor="middle">predicted</text>')
    parts.append(f'<text x="4" y="{bottom - size - 8}">observed</text>')
    return _frame(width, height, "Calibration", "".join(parts))
