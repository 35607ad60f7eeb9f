"""Alarms from a monitoring report: ``evaluate(report, thresholds)`` says which conditions hold now.

Each finding names its kind and subject (the feature, rep, pool or "" for the installation), what
moved in words with the numbers, since when (from the report's weekly and monthly series where it
has them), and what to check. Pure: storage keeps them (``storage.alarms.sync``), the workers notify.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime

from monitoring.finding import DRIFT_KINDS as DRIFT_KINDS
from monitoring.finding import AlarmFinding as AlarmFinding
from monitoring.finding import month_start, pct, week_start
from monitoring.report import CohortRow, MonitorReport
from monitoring.routing_alarms import ROUTING_FINDERS
from monitoring.thresholds import Thresholds


def _window(label: str) -> str:
    return f"the {label}" if label.startswith("training") else label


def _enough_records(report: MonitorReport, t: Thresholds) -> bool:
    return report.records >= t.min_records


def score_drift(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    d = report.drift
    moved = [
        (what, psi)
        for what, psi in (("last week", d.score_psi_week), ("the training window", d.score_psi_training))
        if psi is not None and psi > t.score_psi
    ]
    if not moved or not _enough_records(report, t):
        return []
    words = " and ".join(f"PSI {psi:.2f} against {what}" for what, psi in moved)
    top = ", ".join(f"'{f.feature}' ({f.moved})" for f in d.top_moved[:3])
    return [
        AlarmFinding(
            "score_drift",
            "",
            f"the score distribution of {d.current} moved: {words} (alarm above {t.score_psi:.2f})"
            + (f"; inputs that moved most: {top}" if top else ""),
            week_start(d.current),
            "the inputs that moved most, new lead sources or campaigns, and form or CRM field mappings; "
            "a retrain runs early",
            {"psi_week": d.score_psi_week, "psi_training": d.score_psi_training, "week": d.current},
        )
    ]


FIELD = "field: "  # how the stored inputs name a CRM field (scoring.features.filled_fields)


def _named(feature: str) -> str:
    """ "the job title field" for a CRM field, "'seniority'" for a model input."""
    return f"the {feature.removeprefix(FIELD)} field" if feature.startswith(FIELD) else f"'{feature}'"


def missing_rate(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    d = report.drift
    if not _enough_records(report, t):
        return []
    return [
        AlarmFinding(
            "missing_rate",
            f.feature,
            f"{_named(f.feature)} arrives empty: {pct(f.missing_before)} -> {pct(f.missing_now)} of "
            f"{d.current}'s leads (compared with {_window(d.reference)})",
            week_start(d.current),
            f"the form or CRM field mapping that fills {f.feature.removeprefix(FIELD)}",
            {"before": f.missing_before, "now": f.missing_now, "week": d.current},
        )
        for f in d.features
        if f.missing_now - f.missing_before >= t.missing_rise - 1e-9
    ]


def input_drift(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    d = report.drift
    if not _enough_records(report, t):
        return []
    empty = {f.feature for f in d.features if f.missing_now - f.missing_before >= t.missing_rise - 1e-9}
    return [
        AlarmFinding(
            "input_drift",
            f.feature,
            f"'{f.feature}' moved in {d.current}: {f.moved} (PSI {f.psi:.2f} against {d.reference}, "
            f"alarm above {t.input_psi:.2f})",
            week_start(d.current),
            f"where {f.feature} comes from: a new lead source, campaign or list import, or a changed "
            "field mapping; a retrain runs early",
            {"psi": f.psi, "moved": f.moved, "week": d.current},
        )
        for f in d.features
        if f.psi > t.input_psi and f.feature not in empty  # an emptied field has its own alarm
    ]


def tier_inflation(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    rise = report.drift.inflation
    if not t.tier_inflation or rise is None or not _enough_records(report, t):
        return []

    def conv(c: float | None) -> str:
        return "not known yet" if c is None else pct(c)

    def weeks(span: tuple[str, str]) -> str:
        return span[0] if span[0] == span[1] else f"{span[0]} to {span[1]}"

    return [
        AlarmFinding(
            "tier_inflation",
            "",
            f"L1+L2 grew from {pct(rise.share_before)} of scored leads ({weeks(rise.before_weeks)}) to "
            f"{pct(rise.share_now)} ({weeks(rise.now_weeks)}) while their conversion did not rise with "
            f"it ({conv(rise.conversion_before)} -> {conv(rise.conversion_now)})",
            week_start(rise.now_weeks[0]),
            "the tier thresholds and the engagement weights in the ICP file, and whether a campaign "
            "inflated engagement",
            {
                "from_weeks": list(rise.before_weeks),
                "to_weeks": list(rise.now_weeks),
                "from_share": rise.share_before,
                "to_share": rise.share_now,
            },
        )
    ]


def _decided_enough(report: MonitorReport, t: Thresholds) -> bool:
    cal = report.performance.calibration
    wins = sum(r.hits for r in cal.by_tier.values())
    return cal.n >= t.min_outcomes and wins >= t.min_wins


CALIBRATION_ERRORS = 3  # the shift must exceed this many standard errors of the difference


def calibration(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    """The champion's recent leads win a different share than it predicts, by more than its earlier
    leads did (what moved, not a model that was always a little off): the gap between won and
    predicted moved by more than ``calibration_shift`` and by more than three standard errors."""
    trend = report.performance.recent
    if trend is None or trend.model is None:
        return []  # the rules give no probabilities
    now, before = trend.recent, trend.before
    if now.gap is None or before.gap is None or min(now.n, before.n) < t.min_outcomes:
        return []
    moved = now.gap - before.gap
    error = math.sqrt((now.variance or 0.0) + (before.variance or 0.0))
    if abs(moved) <= t.calibration_shift or abs(moved) <= CALIBRATION_ERRORS * error:
        return []
    worst = max(now.bins, key=lambda b: abs(b.observed - b.predicted) * b.n, default=None)
    where = (
        f"; worst: decile {worst.decile}, predicted {pct(worst.predicted)}, won {pct(worst.observed)}"
        if worst
        else ""
    )
    return [
        AlarmFinding(
            "calibration",
            "",
            f"the probabilities are off: the leads {trend.model} scored in the last {trend.weeks} weeks "
            f"won {pct(now.observed or 0.0)} of {now.n} decided deals where it predicted "
            f"{pct(now.predicted or 0.0)}; its earlier leads won {pct(before.observed or 0.0)} against "
            f"{pct(before.predicted or 0.0)} predicted "
            f"({before.n} deals){where}",
            trend.since,
            "whether the outcomes changed (a new sales process, a pricing change, a new market); the "
            "next retrain recalibrates, and the champion/challenger gate decides",
            {"gap_now": now.gap, "gap_before": before.gap, "n": now.n, "weeks": trend.weeks},
        )
    ]


RECENT_COHORTS = 3  # lift is measured over the newest three cohort months


def _low_since(cohorts: Sequence[CohortRow], low: Callable[[CohortRow], bool]) -> datetime | None:
    """The first month of the newest run of cohorts where ``low`` holds."""
    since = None
    for row in reversed(cohorts):
        if not low(row):
            break
        since = month_start(row.month)
    return since


def lift(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    cohorts = report.performance.cohorts
    recent = cohorts[-RECENT_COHORTS:]
    hits = {
        tier: sum(c.conversion[tier].hits for c in recent if tier in c.conversion) for tier in ("L1", "L4")
    }
    sizes = {tier: sum(c.conversion[tier].n for c in recent if tier in c.conversion) for tier in ("L1", "L4")}
    if not _decided_enough(report, t) or not sizes["L1"] or not sizes["L4"]:
        return []
    l1, l4 = hits["L1"] / sizes["L1"], hits["L4"] / sizes["L4"]
    value = l1 / l4 if l4 else None
    if value is None or value >= t.lift_l1_over_l4:
        return []
    since = _low_since(
        cohorts, lambda c: c.lift_l1_over_l4 is not None and c.lift_l1_over_l4 < t.lift_l1_over_l4
    )
    return [
        AlarmFinding(
            "lift",
            "",
            f"L1 converts only {value:.1f}x as often as L4 ({pct(l1)} of {sizes['L1']} against "
            f"{pct(l4)} of {sizes['L4']}; alarm below {t.lift_l1_over_l4:.1f}x)",
            since,
            "whether the tiers still mean something: the ICP's fit rules and tier thresholds, and the model",
            {"lift": value, "l1": l1, "l4": l4},
        )
    ]


def _captured(rows: Sequence[CohortRow]) -> tuple[int, int]:
    """(conversions in the top 30%, conversions) over these cohort months."""
    wins = [sum(rate.hits for rate in c.conversion.values()) for c in rows]
    captured = [round((c.top30_capture or 0.0) * w) for c, w in zip(rows, wins, strict=True)]
    return sum(captured), sum(wins)


def _capture_reference(report: MonitorReport, t: Thresholds) -> tuple[float, int, str] | None:
    """What the recent capture is compared with: the champion's on its held-out outcomes at
    training, else the cohort months before the recent ones (when they hold enough conversions)."""
    base = report.performance.baseline
    if base is not None and base.top30_capture is not None and base.conversions:
        where = f"on its held-out outcomes when {base.version} was trained"
        return base.top30_capture, base.conversions, where
    earlier = report.performance.cohorts[:-RECENT_COHORTS]
    captured, wins = _captured(earlier)
    if wins < t.min_wins:
        return None
    return captured / wins, wins, f"in the cohorts of {earlier[0].month} to {earlier[-1].month}"


def top30_capture(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    """The newest three cohort months' top-30% capture, down from the reference by more than the
    threshold and by more than two standard errors of the difference (noise never fires)."""
    perf = report.performance
    captured, conversions = _captured(perf.cohorts[-RECENT_COHORTS:])
    reference = _capture_reference(report, t)
    if reference is None or conversions < t.min_wins or not _decided_enough(report, t):
        return []
    before, before_n, where = reference
    now = captured / conversions
    error = math.sqrt(before * (1 - before) / before_n + now * (1 - now) / conversions)
    if before - now <= t.top30_drop or before - now <= 2 * error:
        return []
    since = _low_since(
        perf.cohorts, lambda c: c.top30_capture is not None and c.top30_capture < before - t.top30_drop
    )
    return [
        AlarmFinding(
            "top30_capture",
            "",
            f"the top 30% by score holds {pct(now)} of the {conversions} conversions of the newest "
            f"cohorts, down from {pct(before)} {where} (alarm at {pct(t.top30_drop)} points down)",
            since,
            "which leads convert from low tiers: a source or persona the ICP underrates",
            {"capture": now, "conversions": conversions, "reference": before},
        )
    ]


FINDERS: tuple[Callable[[MonitorReport, Thresholds], list[AlarmFinding]], ...] = (
    score_drift,
    missing_rate,
    input_drift,
    tier_inflation,
    calibration,
    lift,
    top30_capture,
)


def evaluate(report: MonitorReport, thresholds: Thresholds) -> list[AlarmFinding]:
    """Every alarm condition that holds in ``report`` (kinds switched off left out)."""
    found = [f for finder in (*FINDERS, *ROUTING_FINDERS) for f in finder(report, thresholds)]
    return [f for f in found if thresholds.enabled(f.kind)]
