"""What monitoring says: the sections the admin page, ``leadq monitor``, ``/metrics`` and the alarms
read. Plain dataclasses of numbers and words; ``monitoring.compute.monitor`` fills them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from monitoring.frames import ModelBaseline


@dataclass(frozen=True)
class Note:
    """What the report could not compute, or computed on little data. ``kind`` names the case and
    ``facts`` holds its figures, so the admin page words it for people in one place
    (``leadq.web.monitor_notes``); ``text`` is the computation's own words (``--json``, logs)."""

    kind: str
    text: str
    facts: dict[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Rate:
    """``hits`` of ``n``, with a 95% Wilson interval (all None when ``n`` is 0)."""

    hits: int
    n: int
    rate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class CohortRow:
    """One cohort month (records first scored that month): leads and conversion per tier."""

    month: str  # "2026-11"
    leads: dict[str, int]  # tier -> records
    conversion: dict[str, Rate]  # tier -> won of the tier's records (open ones count as not yet won)
    lift_l1_over_l4: float | None  # L1's conversion over L4's; None when either has no data
    top30_capture: float | None  # share of the month's conversions in its top 30% by score
    decided: dict[str, int] = field(default_factory=dict)  # tier -> won or lost outcomes counted


@dataclass(frozen=True)
class CalibrationBin:
    decile: int  # 1-10, by predicted probability
    predicted: float  # mean predicted probability
    observed: float  # share won
    n: int


@dataclass(frozen=True)
class Calibration:
    """Predicted against observed on decided outcomes the scoring model had not seen."""

    n: int
    bins: Sequence[CalibrationBin]
    ece: float | None  # expected calibration error (weighted mean |observed - predicted| over the bins)
    brier: float | None
    by_tier: dict[str, Rate]  # observed win rate per tier on the same outcomes
    # the ECE a perfectly calibrated model would show by chance on as many outcomes in the same bins
    # (what of ``ece`` is noise): few outcomes give a large ECE even to a faithful model
    chance: float | None = None
    predicted: float | None = None  # mean predicted probability
    observed: float | None = None  # share won
    variance: float | None = None  # of ``observed`` were the predictions right: sum p(1-p) / n^2

    @property
    def gap(self) -> float | None:
        """Won minus predicted (negative: the model promised more than the leads won)."""
        return None if self.observed is None or self.predicted is None else self.observed - self.predicted


@dataclass(frozen=True)
class RecentCalibration:
    """The champion now scoring: its calibration on the decided outcomes of the leads it scored in
    the last ``weeks`` weeks (their deciding score), against its leads scored before. A change in
    the world shows here as the recent leads parting from what the model predicts; the whole
    history would dilute it."""

    weeks: int
    model: str | None  # the champion's version; None under the rules (no probabilities)
    since: datetime  # the recent window's start
    recent: Calibration
    before: Calibration


@dataclass(frozen=True)
class Performance:
    cohorts: Sequence[CohortRow]
    calibration: Calibration
    top30_capture: float | None  # over every cohort with outcomes
    top30_bar: float = 0.60  # MadKudu's bar
    recent: RecentCalibration | None = None
    baseline: ModelBaseline | None = None  # the champion at training, on held-out outcomes


@dataclass(frozen=True)
class FeatureShift:
    feature: str
    psi: float
    missing_before: float  # share empty in the reference window
    missing_now: float
    moved: str  # in words: "empty 2% -> 61%", "'vp' 31% -> 48%"
    psi_week: float | None = None  # the same input, the newest full week against the week before


@dataclass(frozen=True)
class Inflation:
    """L1+L2's share of the scores in the newest weeks against the weeks before them, and the
    conversion of the same weeks' records (decided, unseen outcomes; None when none decided yet)."""

    before_weeks: tuple[str, str]  # first and last week label of the weeks before
    now_weeks: tuple[str, str]  # ... of the newest weeks
    share_before: float
    share_now: float
    conversion_before: float | None
    conversion_now: float | None


@dataclass(frozen=True)
class Drift:
    """Population stability of the score and of each input; week over week and against the
    training window (``reference``)."""

    reference: str  # the window compared against: "training window" or the previous week's label
    current: str  # the newest full week's label
    score_psi_week: float | None  # the score distribution, this week against last week
    score_psi_training: float | None  # ... against the training window
    features: Sequence[FeatureShift]  # every input, largest PSI first
    top_moved: Sequence[FeatureShift]  # the three that moved most
    missing_rates: dict[str, float]  # field -> share empty this week
    weekly_share_l1l2: Sequence[tuple[str, float, float | None]]  # (week, L1+L2 share, conversion)
    tier_inflation: bool  # L1+L2 share rising without conversions rising
    inflation: Inflation | None = None  # what rose, from when: set when ``tier_inflation``


@dataclass(frozen=True)
class Times:
    p50_minutes: float | None
    p90_minutes: float | None
    n: int


@dataclass(frozen=True)
class RepLoadRow:
    owner_id: str
    name: str
    active: bool
    open_leads: int
    open_capacity: int | None
    assigned_this_week: int
    weekly_capacity: int | None


@dataclass(frozen=True)
class RoutingHealth:
    created_to_assigned: Times
    assigned_to_first_touch: Times
    decisions: int
    parked_share: float | None  # of the decisions meant for a rep, the share parked in a fallback queue
    parked_by_queue: dict[str, int]
    sla_breaches: int  # open past their SLA due, or first touched after it
    reassignments: int  # rerouted or overridden
    inactive_owner_leads: dict[str, int]  # inactive rep -> open leads leadq routed to them
    load: Sequence[RepLoadRow]
    meant_for_reps: int = 0  # decisions for a rep: assigned, or parked in a fallback queue for want of one
    # when leadq was installed: only leads created in the CRM since count in created-to-assigned
    installed_at: datetime | None = None


@dataclass(frozen=True)
class LedgerRow:
    """One rep in one pool: what they received against what their weight entitles them to."""

    pool: str
    owner_id: str
    name: str
    weight_share: float  # mean over the pool's decisions of weight / sum of candidates' weights
    lead_share: float
    expected_share: float  # share of the pool's expected conversions (sum of probabilities)
    drift: float  # expected_share - weight_share
    within_tolerance: bool
    multiplier_min: float | None  # performance multipliers applied to this rep (None: step off)
    multiplier_max: float | None
    leads: int
    expected_conversions: float


@dataclass(frozen=True)
class FairnessLedger:
    rows: Sequence[LedgerRow]
    tolerance: float
    floor: float
    cap: float
    within_floor_and_cap: bool  # every applied multiplier in [floor, cap]


@dataclass(frozen=True)
class MonitorReport:
    installation_id: int
    computed_at: datetime
    records: int  # scored records monitored
    performance: Performance
    drift: Drift
    routing: RoutingHealth
    fairness: FairnessLedger
    notes: Sequence[Note] = field(default_factory=tuple)  # what could not be computed
