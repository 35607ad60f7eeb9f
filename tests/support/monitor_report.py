"""A ``MonitorReport`` made by hand, for the tests of what reads one (the admin page, ``leadq monitor``,
``/metrics``, the alarms): ``monitor_report()`` gives a plausible Monday's report of an installation
with three cohort months, a calibrated model, a drifting form field, a fallback queue catching leads
and a two-pool fairness ledger; ``replace`` any section, or build one with the helpers below.
``healthy()`` is the report no alarm fires on, and ``with_drift``, ``with_routing`` and
``emptied_field`` plant the changes each alarm watches (the alarms' tests).

Rates carry a real 95% Wilson interval (``rate``), so a test can compare what a reader shows with
what the numbers say."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from monitoring.frames import ModelBaseline
from monitoring.report import (
    Calibration,
    CalibrationBin,
    CohortRow,
    Drift,
    FairnessLedger,
    FeatureShift,
    LedgerRow,
    MonitorReport,
    Note,
    Performance,
    Rate,
    RecentCalibration,
    RepLoadRow,
    RoutingHealth,
    Times,
)

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
TIERS = ("L1", "L2", "L3", "L4")


def rate(hits: int, n: int) -> Rate:
    """``hits`` of ``n`` with its 95% Wilson interval (all None when ``n`` is 0)."""
    if n == 0:
        return Rate(hits, 0, None, None, None)
    z, p = 1.959964, hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Rate(hits, n, p, max(0.0, centre - half), min(1.0, centre + half))


def cohort(
    month: str, won_and_leads: dict[str, tuple[int, int]], top30: float | None = 0.68, decided: float = 0.8
) -> CohortRow:
    """A cohort month from ``tier -> (won, leads)``; the lift is L1's rate over L4's; ``decided`` of each
    tier's leads (at least its won ones) were won or lost (0: no outcome yet)."""
    conversion = {tier: rate(won, n) for tier, (won, n) in won_and_leads.items()}
    l1, l4 = conversion.get("L1"), conversion.get("L4")
    lift = l1.rate / l4.rate if l1 and l4 and l1.rate is not None and l4.rate else None
    outcomes = {t: max(won, round(decided * n)) if decided else 0 for t, (won, n) in won_and_leads.items()}
    return CohortRow(month, {t: n for t, (_, n) in won_and_leads.items()}, conversion, lift, top30, outcomes)


def performance() -> Performance:
    cohorts = [
        cohort("2026-09", {"L1": (61, 240), "L2": (48, 410), "L3": (25, 690), "L4": (9, 1020)}, 0.71),
        cohort("2026-10", {"L1": (52, 228), "L2": (41, 433), "L3": (22, 701), "L4": (8, 998)}, 0.66),
        cohort("2026-11", {"L1": (0, 251), "L2": (0, 402), "L3": (0, 688), "L4": (0, 1011)}, None, decided=0),
    ]
    bins = [
        CalibrationBin(d, predicted=0.02 + 0.028 * (d - 1), observed=0.018 + 0.03 * (d - 1), n=120 + d)
        for d in range(1, 11)
    ]
    calibration = Calibration(
        n=1245,
        bins=bins,
        ece=0.021,
        brier=0.087,
        by_tier={"L1": rate(113, 468), "L2": rate(89, 843), "L3": rate(47, 1391), "L4": rate(17, 2018)},
        chance=0.018,
    )
    recent = replace(calibration, n=312, predicted=0.112, observed=0.094, variance=0.112 * 0.888 / 312)
    before = replace(calibration, n=933, predicted=0.108, observed=0.101, variance=0.108 * 0.892 / 933)
    trend = RecentCalibration(6, "m-2026-10-05", datetime(2026, 10, 19, tzinfo=UTC), recent, before)
    baseline = ModelBaseline("m-2026-10-05", 410, 47, 0.72, 0.031)
    return Performance(
        cohorts=cohorts, calibration=calibration, top30_capture=0.685, recent=trend, baseline=baseline
    )


def drift() -> Drift:
    features = [
        FeatureShift("job_title_level", 0.42, 0.02, 0.61, "empty 2.0% -> 61.0%"),
        FeatureShift("industry", 0.14, 0.05, 0.06, "more 'software' (31% -> 44%)"),
        FeatureShift("employees", 0.04, 0.01, 0.01, "about the same"),
        FeatureShift("country", 0.01, 0.0, 0.0, "about the same"),
    ]
    weeks = [("2026-W44", 0.27, 0.061), ("2026-W45", 0.28, 0.058), ("2026-W46", 0.30, 0.060)]
    weeks += [("2026-W47", 0.33, 0.057), ("2026-W48", 0.36, None)]
    return Drift(
        reference="training window",
        current="2026-W48",
        score_psi_week=0.06,
        score_psi_training=0.19,
        features=features,
        top_moved=features[:3],
        missing_rates={"job_title_level": 0.61, "industry": 0.06, "employees": 0.01, "country": 0.0},
        weekly_share_l1l2=weeks,
        tier_inflation=True,
    )


def routing() -> RoutingHealth:
    load = [
        RepLoadRow("501", "Ana Ortiz", True, 38, 40, 22, 25),
        RepLoadRow("502", "Ben Kaur", True, 12, 40, 9, 25),
        RepLoadRow("503", "Chloé Martin", False, 7, None, 0, None),
    ]
    return RoutingHealth(
        created_to_assigned=Times(p50_minutes=1.5, p90_minutes=12.0, n=1830),
        assigned_to_first_touch=Times(p50_minutes=95.0, p90_minutes=1740.0, n=1204),
        decisions=1830,
        meant_for_reps=1830,
        parked_share=0.134,
        parked_by_queue={"unassigned-emea": 201, "catch-all": 44},
        sla_breaches=37,
        reassignments=12,
        inactive_owner_leads={"503": 7},
        load=load,
    )


def fairness() -> FairnessLedger:
    rows = [
        LedgerRow("inbound-na", "501", "Ana Ortiz", 0.5, 0.52, 0.53, 0.03, True, 0.9, 1.1, 412, 61.3),
        LedgerRow("inbound-na", "502", "Ben Kaur", 0.5, 0.48, 0.47, -0.03, True, 0.9, 1.1, 380, 54.4),
        LedgerRow("emea", "503", "Chloé Martin", 0.25, 0.31, 0.33, 0.08, False, None, None, 120, 14.0),
        LedgerRow("emea", "504", "Dev Patel", 0.75, 0.69, 0.67, -0.08, False, None, None, 268, 28.7),
    ]
    return FairnessLedger(rows=rows, tolerance=0.05, floor=0.8, cap=1.25, within_floor_and_cap=True)


def monitor_report(installation_id: int = 1, **changes: Any) -> MonitorReport:
    """The Monday report above for ``installation_id``; ``changes`` replace whole fields
    (``performance=``, ``drift=``, ``routing=``, ``fairness=``, ``notes=``, ...)."""
    report = MonitorReport(
        installation_id=installation_id,
        computed_at=NOW,
        records=7072,
        performance=performance(),
        drift=drift(),
        routing=routing(),
        fairness=fairness(),
        notes=(
            Note(
                "first_touch_pending",  # a kind the page has no sentence for: shown in its own words
                "Assigned-to-first-touch times need the CRM's activity history; 626 leads have none yet.",
            ),
        ),
    )
    return replace(report, **changes)


def empty_report(installation_id: int = 1) -> MonitorReport:
    """What a new installation's report holds: nothing scored, decided or routed yet."""
    no_times = Times(None, None, 0)
    return MonitorReport(
        installation_id=installation_id,
        computed_at=NOW,
        records=0,
        performance=Performance(
            cohorts=[], calibration=Calibration(0, [], None, None, {}), top30_capture=None
        ),
        drift=Drift("training window", "", None, None, [], [], {}, [], False),
        routing=RoutingHealth(no_times, no_times, 0, None, {}, 0, 0, {}, []),
        fairness=FairnessLedger(rows=[], tolerance=0.05, floor=0.8, cap=1.25, within_floor_and_cap=True),
    )


def _t64(moments: Any) -> Any:
    import numpy as np

    return np.array(moments, dtype="datetime64[s]")


def _routing_log(rng: Any, now: datetime) -> Any:
    """600 decisions over the last four weeks: about one in eight parked in "catch-all", the rest
    shared by two reps of equal weight in the "inbound" pool."""
    from datetime import timedelta

    import numpy as np

    from monitoring.frames import RoutingLog

    n = 600
    decided_at = _t64([now - timedelta(hours=int(h)) for h in rng.integers(1, 27 * 24, n)])
    parked = rng.random(n) < 0.12
    owners = np.where(rng.random(n) < 0.5, "501", "502")
    owner = np.empty(n, dtype=object)
    owner[:] = [None if p else o for p, o in zip(parked, owners, strict=True)]
    queue = np.empty(n, dtype=object)
    queue[:] = ["catch-all" if p else None for p in parked]
    pool = np.empty(n, dtype=object)
    pool[:] = [None if p else "inbound" for p in parked]
    weights = [{} if p else {"501": 1.0, "502": 1.0} for p in parked]
    return RoutingLog(
        decided_at=decided_at,
        created_at=decided_at - rng.integers(30, 900, n).astype("timedelta64[s]"),
        first_touch_at=decided_at + rng.integers(600, 86400, n).astype("timedelta64[s]"),
        sla_due=decided_at + np.timedelta64(8, "h"),
        owner=owner,
        queue=queue,
        pool=pool,
        rule=np.full(n, "round robin", dtype=object),
        status=np.full(n, "assigned", dtype=object),
        probability=rng.beta(1.2, 9.0, n),
        multiplier=np.where(parked, np.nan, 1.0),
        weights=weights,
    )


def computed_input(seed: int = 7, leads: int = 3000) -> Any:
    """A ``MonitorInput`` of three months of a seeded installation (scores, outcomes, weekly input
    samples with a field that starts arriving empty, routing decisions in a weighted pool and a
    fallback queue), for ``monitoring.compute.monitor`` to make a real report from."""
    from datetime import timedelta

    import numpy as np

    from monitoring.frames import (
        LOST,
        OPEN,
        WON,
        InputSample,
        MonitorInput,
        RepFacts,
        ScoredLeads,
        ScoreStream,
    )

    rng = np.random.default_rng(seed)
    now = datetime(2026, 12, 7, 12, 0)
    start = np.datetime64("2026-09-01T00:00:00", "s")
    cohort = start + rng.integers(0, 96 * 86400, leads).astype("timedelta64[s]")
    probability = np.clip(rng.beta(1.2, 9.0, leads), 0.001, 0.95)
    tier = np.select([probability > 0.25, probability > 0.12, probability > 0.06], [1, 2, 3], 4).astype(
        np.int8
    )
    decided = rng.random(leads) < 0.7
    outcome = np.where(decided, np.where(rng.random(leads) < probability, WON, LOST), OPEN).astype(np.int8)
    outcome_at = np.where(outcome == OPEN, np.datetime64("NaT", "s"), cohort + np.timedelta64(20, "D"))
    scored = ScoredLeads(
        cohort, cohort, tier, probability, outcome, outcome_at, np.ones(leads, bool), probability * 100
    )
    stream = ScoreStream(cohort, tier, probability * 100, probability)
    titles = ["vp", "director", "manager", "ic", None]

    def sample(label: str, begin: datetime, empty_share: float) -> InputSample:
        rows = [
            {
                "job_title_level": None if rng.random() < empty_share else titles[int(rng.integers(0, 4))],
                "employees": float(rng.lognormal(5, 1)),
            }
            for _ in range(300)
        ]
        return InputSample(label, begin, begin + timedelta(weeks=1), rows, 300)

    monday = datetime(2026, 11, 30)
    weeks = [
        sample(f"2026-W{45 + i}", monday - timedelta(weeks=4 - i), 0.02 if i < 4 else 0.6) for i in range(5)
    ]
    inputs = [sample("training window", datetime(2026, 8, 1), 0.02), *weeks]
    routing = _routing_log(rng, now)
    reps = [
        RepFacts("501", "Ana Ortiz", 1.0, True, 40, 25, open_leads=31),
        RepFacts("502", "Ben Kaur", 1.0, True, 40, 25, open_leads=28),
    ]
    return MonitorInput(now, scored, stream, inputs, routing, reps, frozenset({"catch-all"}), 0.8, 1.25)


def computed_report(installation_id: int = 1, seed: int = 7) -> MonitorReport:
    """The report ``monitoring.compute.monitor`` makes of ``computed_input(seed)``."""
    from monitoring.compute import monitor

    return monitor(computed_input(seed), installation_id)


# The planted changes each alarm watches (``monitoring.alarms``, ``leadq alarms``): ``healthy()`` raises
# nothing; ``with_drift``, ``with_routing`` and ``emptied_field`` plant one cause at a time.

HEALTHY_AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
WEEKS = ("2026-W45", "2026-W46", "2026-W47", "2026-W48")


def _point_rate(hits: int, n: int) -> Rate:
    """``hits`` of ``n`` without an interval (the alarms read the rate alone)."""
    return Rate(hits, n, hits / n if n else None, None, None)


def alarm_cohort(
    month: str, l1: tuple[int, int] = (40, 100), l4: tuple[int, int] = (5, 100), capture: float = 0.7
) -> CohortRow:
    conversion = {
        "L1": _point_rate(*l1),
        "L2": _point_rate(20, 100),
        "L3": _point_rate(10, 100),
        "L4": _point_rate(*l4),
    }
    lift = (l1[0] / l1[1]) / (l4[0] / l4[1]) if l4[0] else None
    return CohortRow(month, {t: r.n for t, r in conversion.items()}, conversion, lift, capture)


def feature(
    name: str, psi: float = 0.02, before: float = 0.03, now: float = 0.03, moved: str = "steady"
) -> FeatureShift:
    return FeatureShift(name, psi, before, now, moved)


def healthy() -> MonitorReport:
    features = [feature("jobtitle"), feature("industry"), feature("employees")]
    bins = [CalibrationBin(d, d / 20, d / 20 + 0.01, 40) for d in range(1, 11)]
    by_tier = {
        "L1": _point_rate(60, 100),
        "L2": _point_rate(30, 100),
        "L3": _point_rate(10, 100),
        "L4": _point_rate(5, 100),
    }
    return MonitorReport(
        installation_id=1,
        computed_at=HEALTHY_AT,
        records=5000,
        performance=Performance(
            cohorts=[alarm_cohort("2026-09"), alarm_cohort("2026-10"), alarm_cohort("2026-11")],
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
