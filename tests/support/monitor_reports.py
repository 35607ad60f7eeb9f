"""MonitorReport objects built by hand: a healthy one, and the planted changes each alarm watches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from monitoring.report import (
    Calibration,
    CalibrationBin,
    CohortRow,
    Drift,
    FairnessLedger,
    FeatureShift,
    LedgerRow,
    MonitorReport,
    Performance,
    Rate,
    RepLoadRow,
    RoutingHealth,
    Times,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
WEEKS = ("2026-W45", "2026-W46", "2026-W47", "2026-W48")


def _rate(hits: int, n: int) -> Rate:
    return Rate(hits, n, hits / n if n else None, None, None)


def cohort(
    month: str, l1: tuple[int, int] = (40, 100), l4: tuple[int, int] = (5, 100), capture: float = 0.7
) -> CohortRow:
    conversion = {"L1": _rate(*l1), "L2": _rate(20, 100), "L3": _rate(10, 100), "L4": _rate(*l4)}
    lift = (l1[0] / l1[1]) / (l4[0] / l4[1]) if l4[0] else None
    return CohortRow(month, {t: r.n for t, r in conversion.items()}, conversion, lift, capture)


def feature(
    name: str, psi: float = 0.02, before: float = 0.03, now: float = 0.03, moved: str = "steady"
) -> FeatureShift:
    return FeatureShift(name, psi, before, now, moved)


def healthy() -> MonitorReport:
    features = [feature("jobtitle"), feature("industry"), feature("employees")]
    bins = [CalibrationBin(d, d / 20, d / 20 + 0.01, 40) for d in range(1, 11)]
    by_tier = {"L1": _rate(60, 100), "L2": _rate(30, 100), "L3": _rate(10, 100), "L4": _rate(5, 100)}
    return MonitorReport(
        installation_id=1,
        computed_at=NOW,
        records=5000,
        performance=Performance(
            cohorts=[cohort("2026-09"), cohort("2026-10"), cohort("2026-11")],
            calibration=Calibration(400, bins, 0.03, 0.15, by_tier),
            top30_capture=0.72,
        ),
        drift=Drift(
            reference="training window",
            current="2026-W48",
            score_psi_week=0.04,
            score_psi_training=0.08,
            features=features,
            top_moved=features[:3],
            missing_rates={f.feature: f.missing_now for f in features},
            weekly_share_l1l2=[(w, 0.30, 0.12) for w in WEEKS],
            tier_inflation=False,
        ),
        routing=RoutingHealth(
            created_to_assigned=Times(1.0, 5.0, 300),
            assigned_to_first_touch=Times(60.0, 300.0, 250),
            decisions=300,
            parked_share=0.03,
            parked_by_queue={"unmatched": 9},
            sla_breaches=2,
            reassignments=4,
            inactive_owner_leads={},
            load=[
                RepLoadRow("101", "Ada", True, 20, 50, 12, 40),
                RepLoadRow("102", "Bo", True, 18, 50, 11, 40),
            ],
        ),
        fairness=FairnessLedger(
            rows=[
                LedgerRow("emea", "101", "Ada", 0.5, 0.5, 0.51, 0.01, True, 0.9, 1.1, 150, 30.0),
                LedgerRow("emea", "102", "Bo", 0.5, 0.5, 0.49, -0.01, True, 0.9, 1.1, 150, 29.0),
            ],
            tolerance=0.05,
            floor=0.8,
            cap=1.25,
            within_floor_and_cap=True,
        ),
    )


def with_drift(report: MonitorReport, **changes: object) -> MonitorReport:
    return replace(report, drift=replace(report.drift, **changes))


def with_routing(report: MonitorReport, **changes: object) -> MonitorReport:
    return replace(report, routing=replace(report.routing, **changes))


def emptied_field(report: MonitorReport, name: str = "jobtitle") -> MonitorReport:
    """A field mapping that starts arriving empty: 3% -> 64% empty this week."""
    features = [
        feature(f.feature, 1.4, 0.03, 0.64, "empty 3% -> 64%") if f.feature == name else f
        for f in report.drift.features
    ]
    return with_drift(report, features=features, top_moved=features[:3])
