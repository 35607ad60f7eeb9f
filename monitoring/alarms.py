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
    d = report.drift
    weeks = list(d.weekly_share_l1l2)
    if not t.tier_inflation or not d.tier_inflation or len(weeks) < 2 or not _enough_records(report, t):
        return []
    start = len(weeks) - 1  # back to where the L1+L2 share began rising
    while start > 0 and weeks[start - 1][1] < weeks[start][1]:
        start -= 1
    first, last = weeks[start], weeks[-1]

    def conv(c: float | None) -> str:
        return "n/a" if c is None else pct(c)

    return [
        AlarmFinding(
            "tier_inflation",
            "",
            f"L1+L2 grew from {pct(first[1])} ({first[0]}) to {pct(last[1])} of scored leads "
            f"({last[0]}) while their conversion did not rise ({conv(first[2])} -> {conv(last[2])})",
            week_start(first[0]),
            "the tier thresholds and the engagement weights in the ICP file, and whether a campaign "
            "inflated engagement",
            {"from_week": first[0], "from_share": first[1], "to_share": last[1]},
        )
    ]


def _decided_enough(report: MonitorReport, t: Thresholds) -> bool:
    cal = report.performance.calibration
    wins = sum(r.hits for r in cal.by_tier.values())
    return cal.n >= t.min_outcomes and wins >= t.min_wins


def calibration(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    cal = report.performance.calibration
    if cal.ece is None or cal.ece <= t.ece or cal.n < t.min_outcomes:
        return []
    worst = max(cal.bins, key=lambda b: abs(b.observed - b.predicted) * b.n, default=None)
    where = (
        f"; decile {worst.decile} predicted {pct(worst.predicted)}, won {pct(worst.observed)}"
        if worst
        else ""
    )
    return [
        AlarmFinding(
            "calibration",
            "",
            f"the probabilities are off: expected calibration error {cal.ece:.2f} on {cal.n} decided "
            f"outcomes (alarm above {t.ece:.2f}){where}",
            None,
            "whether the outcomes changed (a new sales process, a pricing change); the next retrain "
            "recalibrates, and the champion/challenger gate decides",
            {"ece": cal.ece, "n": cal.n},
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


def top30_capture(report: MonitorReport, t: Thresholds) -> list[AlarmFinding]:
    """Below the bar by more than twice its standard error over the conversions (noise never fires)."""
    perf = report.performance
    capture = perf.top30_capture
    conversions = sum(rate.hits for c in perf.cohorts for rate in c.conversion.values())
    if capture is None or not conversions or not _decided_enough(report, t):
        return []
    margin = 2 * math.sqrt(capture * (1 - capture) / conversions)
    if capture >= t.top30_capture - margin:
        return []
    since = _low_since(
        perf.cohorts, lambda c: c.top30_capture is not None and c.top30_capture < t.top30_capture
    )
    return [
        AlarmFinding(
            "top30_capture",
            "",
            f"the top 30% by score holds only {pct(capture)} of {conversions} conversions "
            f"(alarm below {pct(t.top30_capture)})",
            since,
            "which leads convert from low tiers: a source or persona the ICP underrates",
            {"capture": capture, "conversions": conversions},
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
