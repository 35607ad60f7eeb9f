"""The monitoring report's four sections said for people (``monitor_words`` holds the words of single
numbers): score performance, drift, routing health and the fairness ledger, each as facts and tables
of strings with a line saying what they mean. The admin page and ``leadq monitor`` print these."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from leadq.web.monitor_notes import inflation_undefined
from leadq.web.monitor_routing_sections import fairness, routing
from leadq.web.monitor_words import (
    NO_DATA,
    NO_OUTCOMES,
    TIERS,
    Fact,
    Section,
    Table,
    Weeks,
    count,
    missing,
    month_text,
    pct,
    points,
    psi_text,
    rate_text,
    tiers_of,
    weeks_text,
)
from monitoring.report import (
    Calibration,
    CohortRow,
    Drift,
    MonitorReport,
    Note,
    Performance,
)
from monitoring.thresholds import DEFAULTS


def ece_meaning(c: Calibration | None = None) -> str:
    """The calibration advice; with ``c``, how much of its error chance alone gives."""
    chance = ""
    if c is not None and c.chance is not None and c.n:
        chance = (
            f" On {count(c.n)} deals a perfectly calibrated model would still show about "
            f"{100 * c.chance:.1f} pts by chance."
        )
    return (
        "Average gap between the predicted chance and the observed win rate; under 5 points is good; "
        f"flagged over {100 * DEFAULTS.ece:g}.{chance}"
    )


def base_below_bar(p: Performance) -> bool:
    """The champion's own held-out top-30% figure at training was already below the page's bar."""
    base = p.baseline
    return base is not None and base.top30_capture is not None and base.top30_capture < p.top30_bar


def _top30_meaning(p: Performance) -> str:
    base = p.baseline
    then = ""
    if base is not None and base.top30_capture is not None:
        below = " (below the bar on its own test)" if base_below_bar(p) else ""
        then = (
            f" On its test when trained, {base.version} had {pct(base.top30_capture)}{below}; an alarm is "
            "raised when the newest months fall well below that."
        )
    bar = pct(p.top30_bar)
    return f"Share of won deals from the 30% best-scored leads; the bar is {bar}.{then}"


def _recent_fact(p: Performance) -> Fact:
    """The champion's leads of the last weeks: won against predicted, beside its earlier leads."""
    trend = p.recent
    label = "Recent leads: won against predicted"
    if trend is None:
        return Fact("recent", label, "not computed", "This report has no recent leads' figures.")
    if trend.model is None:
        return Fact("recent", label, "no model yet", "The ICP rules score: they give no predicted chance.")
    now, before = trend.recent, trend.before
    value = (
        NO_OUTCOMES
        if now.n == 0
        else f"{pct(now.observed)} won, {pct(now.predicted)} predicted ({count(now.n)} deals)"
    )
    earlier = (
        f"Its earlier leads: {pct(before.observed)} won, {pct(before.predicted)} predicted "
        f"({count(before.n)} deals)."
        if before.n
        else "It has no earlier leads with a decided deal yet."
    )
    moved = (
        now.gap is not None
        and before.gap is not None
        and abs(now.gap - before.gap) > DEFAULTS.calibration_shift
    )
    return Fact(
        "recent",
        label,
        value,
        f"Leads {trend.model} scored in the last {trend.weeks} weeks whose deal is decided. {earlier} "
        f"An alarm is raised when the recent leads part from the prediction by more than "
        f"{100 * DEFAULTS.calibration_shift:g} points beyond the earlier ones (and beyond chance).",
        warn=moved,
    )


def _performance_facts(p: Performance) -> list[Fact]:
    c = p.calibration
    below = not missing(p.top30_capture) and p.top30_capture < p.top30_bar  # type: ignore[operator]
    return [
        Fact(
            "top30",
            "Won deals from the top 30% of scores",
            pct(p.top30_capture),
            _top30_meaning(p),
            warn=below or base_below_bar(p),
        ),
        Fact(
            "ece",
            "Calibration error (ECE)",
            NO_OUTCOMES if missing(c.ece) else f"{100 * c.ece:.1f} pts",  # type: ignore[operator]
            ece_meaning(c),
            warn=not missing(c.ece) and c.ece > DEFAULTS.ece,  # type: ignore[operator]
        ),
        _recent_fact(p),
        Fact(
            "brier",
            "Brier score",
            NO_OUTCOMES if missing(c.brier) else f"{c.brier:.3f}",
            "Average squared miss of the predicted chances: 0 is perfect, lower is better.",
        ),
        Fact(
            "outcomes",
            "Outcomes checked",
            count(c.n),
            "Won or lost deals the scoring model had not seen when it scored them.",
        ),
    ]


def _calibration_tables(c: Calibration) -> list[Table]:
    reliability = Table(
        "reliability",
        "Predicted against observed, by decile of predicted chance",
        "A calibrated model's deciles win about as often as it predicted.",
        ("Decile", "Leads", "Predicted", "Observed", "Gap"),
        [
            (str(b.decile), count(b.n), pct(b.predicted), pct(b.observed), points(b.observed - b.predicted))
            for b in c.bins
        ],
        empty="No decided outcomes the model had not seen yet.",
    )
    by_tier = Table(
        "tier-outcomes",
        "Win rate per tier on the same outcomes",
        "Each tier should win more often than the one below it.",
        ("Tier", "Won", "Decided", "Win rate (won of decided; 95% interval)"),
        [
            (t, count(c.by_tier[t].hits), count(c.by_tier[t].n), rate_text(c.by_tier[t], NO_OUTCOMES))
            for t in tiers_of(list(c.by_tier))
        ],
        empty="No decided outcomes yet.",
    )
    return [reliability, by_tier]


def conversion_text(row: CohortRow, tier: str) -> str:
    """A cohort cell: "12.0% (8 of 67; 9.1-15.8%)", or "no outcomes yet" while none of the tier's
    counted leads was won or lost."""
    return rate_text(row.conversion.get(tier), decided=row.decided.get(tier))


def performance(p: Performance) -> Section:
    tiers = tiers_of(sorted({t for row in p.cohorts for t in (*row.leads, *row.conversion)}) or list(TIERS))
    leads = Table(
        "cohort-leads",
        "Leads per tier, by the month they were first scored",
        "Lift: how many times more often L1 leads convert than L4 leads. Top 30%: share of the month's "
        "won deals among its best-scored 30%.",
        ("Month", *tiers, "All", "L1/L4 lift", "Top 30%"),
        [
            (
                month_text(row.month),
                *(count(row.leads.get(t, 0)) for t in tiers),
                count(sum(row.leads.values())),
                NO_OUTCOMES if missing(row.lift_l1_over_l4) else f"{row.lift_l1_over_l4:.1f}x",
                pct(row.top30_capture),
            )
            for row in p.cohorts
        ],
        empty="Nothing scored yet.",
    )
    conversion = Table(
        "cohort-conversion",
        "Conversion per tier (won of counted leads; 95% interval)",
        "Share of the month's leads of each tier that were won; open leads count as not won yet, so the "
        "newest months rise as deals close. Leads whose outcome the model had seen when it scored them "
        "are left out, so a month counts fewer leads here than above.",
        ("Month", *tiers),
        [(month_text(row.month), *(conversion_text(row, t) for t in tiers)) for row in p.cohorts],
        empty="Nothing scored yet.",
    )
    return Section(
        "performance",
        "Score performance",
        "How the leads of each tier converted, month by month. Leads whose outcome the model had already "
        "seen when it scored them (it trained on them) are left out.",
        _performance_facts(p),
        [leads, conversion, *_calibration_tables(p.calibration)],
    )


def _missing_table(d: Drift, newest: str, calendar: Weeks) -> Table:
    """Each field's empty share in the newest full week against the reference window."""
    befores = {f.feature: f.missing_before for f in d.features}
    rates = sorted(d.missing_rates.items(), key=lambda kv: -kv[1])
    return Table(
        "missing",
        f"Empty fields in {newest}",
        "A form or CRM field mapping that breaks shows up here first: a field suddenly empty.",
        ("Field", "Empty now", "Empty before", "Change"),
        [
            (
                name,
                pct(share, NO_DATA),
                pct(befores.get(name), NO_DATA),
                points(share - befores[name]) if name in befores else NO_DATA,
            )
            for name, share in rates
        ],
        warn_rows=frozenset(
            i for i, (name, share) in enumerate(rates) if share - befores.get(name, share) > 0.2
        ),
        empty=f"No lead scored in {newest}. {calendar.why_not_yet()}",
    )


def drift(
    d: Drift, weeks: int | None = None, notes: Sequence[Note] = (), now: datetime | None = None
) -> Section:
    """The drift card. Its weekly figures are of one week, said on each: the newest full week
    (Monday to Sunday, UTC) as of ``now`` (the report's computation time), or the week the inputs were
    last sampled in when that is older; the week under way counts once it is full."""
    calendar = Weeks.at(now or datetime.now(UTC))
    newest = calendar.label(d.current)
    inflation = (
        "yes: more L1/L2 without more conversions"
        if d.tier_inflation
        else "not enough weeks yet"
        if inflation_undefined(notes)
        else "no"
    )
    facts = [
        Fact(
            "psi-week",
            f"Score shift, {newest} against the week before",
            psi_text(d.score_psi_week),
            "Population stability index of the scores: under 0.10 stable, over 0.25 a major shift.",
            warn=not missing(d.score_psi_week) and d.score_psi_week >= 0.25,  # type: ignore[operator]
        ),
        Fact(
            "psi-training",
            f"Score shift against the {weeks_text(d.reference or 'training window')}",
            psi_text(d.score_psi_training),
            "The same index against the scores of the window the model was trained on.",
            warn=not missing(d.score_psi_training) and d.score_psi_training >= 0.25,  # type: ignore[operator]
        ),
        Fact(
            "inflation",
            "Tier inflation",
            inflation,
            "The share of L1+L2 leads rising while their conversion does not.",
            warn=d.tier_inflation,
        ),
    ]
    lines = [
        f"{f.feature}: {f.moved} (PSI {psi_text(f.psi).replace(' (', ', ').rstrip(')')})" for f in d.top_moved
    ]
    missing_rates = _missing_table(d, newest, calendar)
    features = Table(
        "features",
        "Every model input, the most moved first",
        f"Shift of each input's values against the {weeks_text(d.reference or 'training window')}, "
        "and against the week before.",
        ("Input", "Shift (PSI)", "Against last week", "What moved"),
        [(f.feature, psi_text(f.psi), psi_text(f.psi_week, "no week before"), f.moved) for f in d.features],
        numeric_from=9,
    )
    weekly = list(d.weekly_share_l1l2)[-weeks:] if weeks else list(d.weekly_share_l1l2)
    share = Table(
        "weekly",
        "L1+L2 share and conversion, week by week",
        "If the share of top tiers climbs and their conversion does not, the scores are inflating.",
        ("Week", "L1+L2 share", "Conversion"),
        [(weeks_text(week), pct(s, NO_DATA), pct(conv)) for week, s, conv in weekly],
    )
    return Section(
        "drift",
        "Drift",
        "Whether the leads scored now look like the ones the model learned from. Weekly figures are of "
        f"{calendar.label()}, Monday to Sunday (UTC). {calendar.why_not_yet()}",
        facts,
        [missing_rates, features, share],
        lines=lines,
    )


def sections(report: MonitorReport, weeks: int | None = None) -> list[Section]:
    return [
        performance(report.performance),
        drift(report.drift, weeks, report.notes, report.computed_at),
        routing(report.routing),
        fairness(report.fairness),
    ]


def headline(report: MonitorReport) -> list[Fact]:
    """The few numbers said first."""
    return [
        Fact(
            "records",
            "Scored leads monitored",
            count(report.records),
            "Every person or Leads record leadq scored.",
        ),
        *[f for f in performance(report.performance).facts if f.key in ("top30", "ece")],
        *[f for f in drift(report.drift).facts if f.key == "psi-training"],
        *[f for f in routing(report.routing).facts if f.key == "parked"],
    ]


ReportFor = Callable[[Any, int, datetime], MonitorReport]
BUILDER_KEY = "monitor_report_for"  # in ``Services.extras``: a builder of ``report_for``'s signature


def report_builder(extras: Mapping[str, Any] | None = None) -> ReportFor:
    """What makes the report: ``extras[BUILDER_KEY]`` when a test put one there, else
    ``workers.services.monitor.report_for(runtime, installation_id, now)``."""
    if extras and extras.get(BUILDER_KEY) is not None:
        injected: ReportFor = extras[BUILDER_KEY]
        return injected
    from workers.services.monitor import report_for

    return report_for
