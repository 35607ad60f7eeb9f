"""The monitoring page's charts, drawn as self-contained SVG in the style of ``scoring.charts`` (its
own white card, explicit colours chosen for contrast, no network, no JS): conversion per tier per
cohort month with its 95% interval, the L1+L2 share against conversion week by week, calibration by decile,
routing times, and each rep's open leads against capacity.

Every text drawn goes through ``_text`` (escaped), so names from the CRM or the routing file are safe
to inline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from leadq.web.monitor_words import NO_CAP, month_text, rep_text, week_start, weeks_text
from monitoring.report import CalibrationBin, CohortRow, RepLoadRow, RoutingHealth
from scoring.charts import BAR, GRID, INK, MODEL, MUTED, _frame, _text

TIER_COLOURS = {"L1": "#0b5cad", "L2": "#1a7f37", "L3": "#bc4c00", "L4": "#6e40c9"}  # each >= 4.5:1 on white
OVER = "#a40e26"


STEPS = (0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25)


def _scale(value: float) -> tuple[float, float]:
    """A share axis: (its top, its tick step), the top the first round step at or above ``value``
    with at most five steps (0 to 100% at most)."""
    value = min(max(value, 0.0), 1.0)
    step = next((s for s in STEPS if math.ceil(value / s - 1e-9) <= 5), 0.25)
    return max(1, math.ceil(value / step - 1e-9)) * step, step


def _pct(value: float) -> str:
    return f"{round(100 * value, 1):g}%"


def _y_axis(
    parts: list[str], left: float, right: float, bottom: float, plot_h: float, scale: tuple[float, float]
) -> None:
    top, step = scale
    ticks = round(top / step)
    for i in range(ticks + 1):
        y = bottom - plot_h * i / ticks
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, _pct(step * i), anchor="end", fill=MUTED))
    parts.append(f'<line x1="{left}" x2="{left}" y1="{bottom}" y2="{bottom - plot_h}" stroke="{MUTED}"/>')
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')


def _legend(parts: list[str], items: Sequence[tuple[str, str]], x: float, y: float) -> None:
    for label, colour in items:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="12" rx="2" fill="{colour}"/>')
        parts.append(_text(x + 16, y + 1, label))
        x += 26 + 6.5 * len(label)


def cohort_conversion_chart(cohorts: Sequence[CohortRow], width: int = 640, height: int = 300) -> str:
    """Each month's conversion per tier as a dot, with its 95% interval as a whisker."""
    tiers = [t for t in TIER_COLOURS if any(t in row.conversion for row in cohorts)]
    highs = [
        r.high
        for row in cohorts
        for t, r in row.conversion.items()
        if r.high is not None and row.decided.get(t) != 0
    ]
    scale = _scale(max(highs, default=0.0))
    top = scale[0]
    left, right, bottom, plot_h = 52, width - 14, height - 42, height - 100
    band = (right - left) / max(len(cohorts), 1)
    parts: list[str] = []
    _y_axis(parts, left, right, bottom, plot_h, scale)

    def y_of(value: float) -> float:
        return bottom - plot_h * min(value, top) / top

    drawn = 0
    every = max(1, math.ceil(60 / band))  # "Dec 2026" needs about 60 px: fewer labels, never overlapping
    for i, row in enumerate(cohorts):
        centre = left + band * (i + 0.5)
        if (len(cohorts) - 1 - i) % every == 0:  # counted back from the newest, which is always named
            shown = month_text(row.month, short=True)
            parts.append(_text(centre, bottom + 15, shown, anchor="middle", fill=MUTED))
        step = min(18.0, band / (len(tiers) + 1))
        for j, tier in enumerate(tiers):
            r = row.conversion.get(tier)
            x = centre + step * (j - (len(tiers) - 1) / 2)
            colour = TIER_COLOURS[tier]
            if r is None or r.rate is None or row.decided.get(tier) == 0:  # no outcome yet: no dot
                continue
            drawn += 1
            if r.low is not None and r.high is not None:
                y1, y2 = y_of(r.low), y_of(r.high)
                parts.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" stroke="{colour}"/>'
                )
                for y in (y1, y2):
                    parts.append(
                        f'<line x1="{x - 3:.1f}" x2="{x + 3:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                        f'stroke="{colour}"/>'
                    )
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y_of(r.rate):.1f}" r="3.5" fill="{colour}"><title>'
                f"{escape(month_text(row.month))} {tier}: {100 * r.rate:.1f}% of {r.n:,} leads won"
                "</title></circle>"
            )
    if not drawn:
        parts.append(
            _text(
                (left + right) / 2,
                bottom - plot_h / 2,
                "no outcomes yet: no won or lost deal the model had not seen",
                anchor="middle",
                fill=MUTED,
            )
        )
    _legend(parts, [(t, TIER_COLOURS[t]) for t in tiers], 14, 42)
    parts.append(_text(right, 42, "whiskers: 95% interval", anchor="end", fill=MUTED))
    parts.append(_text((left + right) / 2, height - 10, "month the leads were first scored", anchor="middle"))
    return _frame(width, height, "Conversion per tier, by cohort month", "".join(parts))


def reliability_chart(bins: Sequence[CalibrationBin], size: int = 320) -> str:
    """Each decile's mean predicted chance against its observed win rate, with the diagonal of perfect
    calibration; both axes zoomed to the largest of them (lead probabilities are mostly small)."""
    scale = _scale(max([b.predicted for b in bins] + [b.observed for b in bins] + [0.0]))
    top, step = scale
    left, top_margin = 56, 58
    plot = size - left - 16
    bottom = top_margin + plot

    def at(predicted: float, observed: float) -> tuple[float, float]:
        return left + plot * min(predicted, top) / top, bottom - plot * min(observed, top) / top

    parts: list[str] = []
    _y_axis(parts, left, left + plot, bottom, plot, scale)
    for i in range(round(top / step) + 1):
        x = left + plot * i / round(top / step)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{top_margin}" stroke="{GRID}"/>')
        parts.append(_text(x, bottom + 14, _pct(step * i), anchor="middle", fill=MUTED))
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{left + plot}" y2="{top_margin}" stroke="{MUTED}" '
        'stroke-dasharray="5 3"><title>perfect calibration</title></line>'
    )
    points = [at(b.predicted, b.observed) for b in bins]
    if len(points) > 1:
        drawn = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{drawn}" fill="none" stroke="{MODEL}" stroke-width="2"/>')
    for b, (x, y) in zip(bins, points, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{MODEL}"><title>decile {b.decile}: predicted '
            f"{100 * b.predicted:.1f}%, observed {100 * b.observed:.1f}% ({b.n:,} leads)</title></circle>"
        )
    parts.append(f'<line x1="12" x2="34" y1="38" y2="38" stroke="{MUTED}" stroke-dasharray="5 3"/>')
    parts.append(_text(38, 42, "perfect calibration"))
    parts.append(f'<line x1="160" x2="182" y1="38" y2="38" stroke="{MODEL}" stroke-width="2"/>')
    parts.append(f'<circle cx="171" cy="38" r="3" fill="{MODEL}"/>')
    parts.append(_text(186, 42, "the model, by decile"))
    parts.append(_text(left + plot / 2, bottom + 32, "predicted chance", anchor="middle"))
    middle = top_margin + plot / 2
    parts.append(
        _text(
            14,
            middle,
            "observed win rate",
            anchor="middle",
            extra=f' transform="rotate(-90 14 {middle:.1f})"',
        )
    )
    return _frame(size, size + 40, "Calibration", "".join(parts))


def weekly_share_chart(
    weeks: Sequence[tuple[str, float, float | None]], width: int = 640, height: int = 280
) -> str:
    """The L1+L2 share of the week's scores and their conversion, as two lines."""
    values = [s for _, s, _ in weeks] + [c for _, _, c in weeks if c is not None]
    scale = _scale(max(values, default=0.0))
    top = scale[0]
    left, right, bottom, plot_h = 52, width - 14, height - 42, height - 100
    step = (right - left) / max(len(weeks), 1)
    parts: list[str] = []
    _y_axis(parts, left, right, bottom, plot_h, scale)

    def at(i: int, value: float) -> tuple[float, float]:
        return left + step * (i + 0.5), bottom - plot_h * min(value, top) / top

    every = max(1, math.ceil(len(weeks) / 10))  # at most ten week labels
    for i, (week, _, _) in enumerate(weeks):
        if (len(weeks) - 1 - i) % every == 0:  # counted back from the newest, which is always named
            start = week_start(week)
            shown = f"{start.day} {start:%b}" if start else week
            parts.append(_text(at(i, 0)[0], bottom + 15, shown, anchor="middle", fill=MUTED))
    for series, colour, label in ((1, BAR, "L1+L2 share"), (2, MODEL, "conversion")):
        runs: list[list[tuple[float, float]]] = [[]]
        for i, row in enumerate(weeks):
            value = row[series]
            if value is None:
                runs.append([])
                continue
            x, y = at(i, float(value))
            runs[-1].append((x, y))
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(weeks_text(row[0]))}: {label} "
                f"{100 * float(value):.1f}%</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                drawn = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline points="{drawn}" fill="none" stroke="{colour}" stroke-width="2"/>')
    _legend(parts, [("L1+L2 share of scores", BAR), ("their conversion", MODEL)], 14, 42)
    parts.append(_text((left + right) / 2, height - 10, "week starting", anchor="middle"))
    return _frame(width, height, "Top tiers' share against their conversion", "".join(parts))


TIME_TICKS = (
    (1, "1 min"),
    (10, "10 min"),
    (60, "1 h"),
    (1440, "1 day"),
    (10080, "1 week"),
    (43200, "30 days"),
    (129600, "90 days"),
    (525600, "1 year"),
    (1576800, "3 years"),
)


def _time_top(longest: float) -> float:
    """The routing times axis' end, in minutes: the first tick past the longest time (1 day at least)."""
    return next((m for m, _ in TIME_TICKS if m >= max(longest, 1440) * 1.05), max(longest, 1.0) * 1.5)


def _log_x(minutes: float, left: float, span: float, top: float = 30 * 1440) -> float:
    """Minutes on a log scale from 1 minute to ``top``."""
    lo, hi = 0.0, math.log10(top)
    return left + span * (min(max(math.log10(max(minutes, 1.0)), lo), hi) - lo) / (hi - lo)


def routing_times_chart(r: RoutingHealth, width: int = 470, height: int = 210) -> str:
    """Created-to-assigned and assigned-to-first-touch, typical (p50) and slow (p90), on a log scale."""
    from leadq.web.monitor_words import minutes_text

    left, right = 140, width - 24
    span = right - left
    rows = [
        ("created to assigned", r.created_to_assigned.p50_minutes, r.created_to_assigned.p90_minutes),
        (
            "assigned to 1st touch",
            r.assigned_to_first_touch.p50_minutes,
            r.assigned_to_first_touch.p90_minutes,
        ),
    ]
    parts: list[str] = []
    bottom = height - 42
    top = _time_top(max([v for _, p50, p90 in rows for v in (p50, p90) if v is not None] + [1.0]))
    named = -1e9  # where the last tick label ends: a label that would overlap it is left out
    for minutes, label in TIME_TICKS:
        if minutes > top:
            break
        x = _log_x(minutes, left, span, top)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="56" y2="{bottom}" stroke="{GRID}"/>')
        half = 3.4 * len(label)
        if x - half > named + 6:
            parts.append(_text(x, bottom + 15, label, anchor="middle", fill=MUTED))
            named = x + half
    for i, (label, p50, p90) in enumerate(rows):
        y = 62 + i * 56
        parts.append(_text(left - 8, y + 20, label, anchor="end"))
        for k, (value, colour, name) in enumerate(((p50, BAR, "p50"), (p90, MODEL, "p90"))):
            yy = y + k * 20
            if value is None:
                parts.append(_text(left + 4, yy + 13, f"{name}: no data yet", fill=MUTED))
                continue
            end = max(_log_x(value, left, span, top), left + 2)
            parts.append(
                f'<rect x="{left}" y="{yy:.1f}" width="{end - left:.1f}" height="16" fill="{colour}"/>'
            )
            words = f"{name} {minutes_text(value)}"
            inside = end - left > 8 + 6.5 * len(words)
            parts.append(
                _text(
                    end - 4 if inside else end + 4,
                    yy + 12,
                    words,
                    anchor="end" if inside else "start",
                    fill="#ffffff" if inside else INK,
                )
            )
    _legend(parts, [("p50: half were faster", BAR), ("p90: 9 in 10", MODEL)], 14, 42)
    parts.append(f'<line x1="{left}" x2="{left}" y1="56" y2="{bottom}" stroke="{MUTED}"/>')
    return _frame(width, height, "Routing times", "".join(parts))


def load_chart(load: Sequence[RepLoadRow], width: int = 470) -> str:
    """Each rep's open leads as a bar, their open-lead cap as a mark; over the cap in red. The legend
    names the mark only when one is drawn (a rep has a cap); a rep without one among reps with one
    says "no cap" beside their bar."""
    rows = list(load)
    capped = any(row.open_capacity is not None for row in rows)
    height = 80 + 26 * max(len(rows), 1)
    left, right = 165, width - 70
    most = max([row.open_leads for row in rows] + [row.open_capacity or 0 for row in rows] + [1])
    parts: list[str] = []
    for i, row in enumerate(rows):
        y = 56 + i * 26
        over = row.open_capacity is not None and row.open_leads >= row.open_capacity
        colour = OVER if over or not row.active else BAR
        name = rep_text(row.name, row.owner_id)
        name = name if len(name) <= 22 else name[:21] + "\u2026"
        name = name if row.active else f"{name[:13]} (inactive)"
        parts.append(_text(left - 8, y + 13, name, anchor="end", fill=INK if row.active else OVER))
        end = left + (right - left) * row.open_leads / most
        parts.append(
            f'<rect x="{left}" y="{y:.1f}" width="{max(end - left, 1):.1f}" height="16" fill="{colour}"/>'
        )
        if row.open_capacity is not None:
            said = f"{row.open_leads:,} of {row.open_capacity:,}"
        else:
            said = f"{row.open_leads:,} ({NO_CAP})" if capped else f"{row.open_leads:,}"
        cap = None if row.open_capacity is None else left + (right - left) * row.open_capacity / most
        if cap is not None:
            parts.append(
                f'<line x1="{cap:.1f}" x2="{cap:.1f}" y1="{y - 3:.1f}" y2="{y + 19:.1f}" '
                f'stroke="{INK}" stroke-width="2"/>'
            )
        parts.append(_text(max(end, cap or end) + 5, y + 12, said))
    parts.append(f'<line x1="{left}" x2="{left}" y1="52" y2="{height - 20}" stroke="{MUTED}"/>')
    key = "black mark: the open-lead cap" if capped else "no rep has an open-lead cap"
    parts.append(_text(14, 42, f"bar: open leads; {key}", fill=MUTED))
    return _frame(width, height, "Open leads per rep against capacity", "".join(parts))
