"""A monitoring report as Prometheus gauges: what ``/metrics`` shows of each installation's last
evaluation (the beat job computes the report; ``/metrics`` never does, so a scrape stays cheap)."""

from __future__ import annotations

from dataclasses import dataclass

from monitoring.report import MonitorReport, Performance, Times


@dataclass(frozen=True)
class Gauge:
    name: str  # without the installation label, which /metrics adds
    value: float
    help: str
    labels: tuple[tuple[str, str], ...] = ()


def _times(name: str, what: str, t: Times) -> list[Gauge]:
    return [
        Gauge(name, v, f"{what}, minutes (quantile label: 0.5 or 0.9)", (("quantile", q),))
        for q, v in (("0.5", t.p50_minutes), ("0.9", t.p90_minutes))
        if v is not None
    ]


def _calibration_gap(p: Performance) -> list[Gauge]:
    """The champion's leads of the recent weeks and before: won share minus mean prediction."""
    recent = p.recent.recent.gap if p.recent is not None else None
    before = p.recent.before.gap if p.recent is not None else None
    return [
        Gauge(
            "leadq_monitor_won_minus_predicted",
            float(v),
            "the champion's leads of the last six weeks (recent) or before: won share minus mean prediction",
            (("leads", which),),
        )
        for which, v in (("recent", recent), ("earlier", before))
        if v is not None
    ]


def gauges(report: MonitorReport) -> list[Gauge]:
    """Every figure of ``report`` a dashboard or alert rule would graph; a figure the report could
    not compute (None) is left out rather than shown as 0."""
    p, d, r, f = report.performance, report.drift, report.routing, report.fairness
    c = p.calibration
    newest_lift = next((row.lift_l1_over_l4 for row in reversed(p.cohorts) if row.lift_l1_over_l4), None)
    out = [
        Gauge("leadq_monitor_records", float(report.records), "scored records monitored"),
        Gauge("leadq_monitor_computed_timestamp_seconds", report.computed_at.timestamp(), "when computed"),
        Gauge("leadq_monitor_outcomes_checked", float(c.n), "decided outcomes the model had not seen"),
        Gauge(
            "leadq_monitor_tier_inflation", float(d.tier_inflation), "1: L1+L2 share rising, conversion not"
        ),
        Gauge("leadq_monitor_routing_decisions", float(r.decisions), "routing decisions in the window"),
        Gauge("leadq_monitor_sla_breaches", float(r.sla_breaches), "SLA breaches in the window"),
        Gauge("leadq_monitor_reassignments", float(r.reassignments), "rerouted or overridden decisions"),
    ]
    optional = (
        ("leadq_monitor_ece", c.ece, "expected calibration error on unseen outcomes"),
        ("leadq_monitor_brier", c.brier, "Brier score on unseen outcomes"),
        ("leadq_monitor_top30_capture", p.top30_capture, "share of conversions in the top 30% by score"),
        ("leadq_monitor_lift_l1_over_l4", newest_lift, "L1 conversion over L4's, newest cohort month"),
        ("leadq_monitor_parked_share", r.parked_share, "share of decisions parked in fallback queues"),
    )
    out += _calibration_gap(p)
    out += [Gauge(name, float(v), text) for name, v, text in optional if v is not None]
    out += [
        Gauge("leadq_monitor_score_psi", float(v), "score distribution PSI", (("against", against),))
        for against, v in (("last_week", d.score_psi_week), ("training", d.score_psi_training))
        if v is not None
    ]
    for tier, rate in sorted(c.by_tier.items()):
        if rate.rate is not None:
            out.append(
                Gauge("leadq_monitor_win_rate", rate.rate, "won share of unseen outcomes", (("tier", tier),))
            )
    for shift in d.features:
        for against, value in (("reference", shift.psi), ("last_week", shift.psi_week)):
            if value is not None:
                labels = (("feature", shift.feature), ("against", against))
                out.append(Gauge("leadq_monitor_input_psi", value, "a model input's PSI", labels))
    for field, share in sorted(d.missing_rates.items()):
        out.append(
            Gauge(
                "leadq_monitor_missing_rate",
                share,
                "share of this week's leads with the field empty",
                (("field", field),),
            )
        )
    for rep, leads in sorted(r.inactive_owner_leads.items()):
        out.append(
            Gauge(
                "leadq_monitor_inactive_owner_leads",
                float(leads),
                "open leads of an inactive rep",
                (("rep", rep),),
            )
        )
    for row in f.rows:
        pair: tuple[tuple[str, str], ...] = (("pool", row.pool), ("rep", row.owner_id))
        out.append(
            Gauge(
                "leadq_monitor_fairness_drift",
                row.drift,
                "expected-conversion share minus weight share",
                pair,
            )
        )
    out += _times("leadq_monitor_created_to_assigned_minutes", "created to assigned", r.created_to_assigned)
    out += _times(
        "leadq_monitor_assigned_to_first_touch_minutes", "assigned to first touch", r.assigned_to_first_touch
    )
    return out
