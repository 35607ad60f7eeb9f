"""What monitoring reads: leadq's own store, handed over as column arrays (no CRM calls).

``storage.monitor_reads`` builds these from the scores, outcomes and routing log; everything in
``monitoring/`` computes from them and stays pure (numpy and ``core`` only), so a week of a
1,000,000-record installation is a few vectorised passes. Times are UTC ``datetime64[s]``; a missing
time is ``NaT``, a missing number ``nan``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

Times = npt.NDArray[np.datetime64]
Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int8]
Flags = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]  # str or None

# Outcome codes in ``ScoredLeads.outcome``.
OPEN, LOST, WON = -1, 0, 1
TIERS = ("L1", "L2", "L3", "L4")  # ``tier`` holds 1-4: the index into TIERS plus one


@dataclass(frozen=True)
class ScoredLeads:
    """One row per scored person or HubSpot Leads record (accounts are scored from their people and
    left out). ``decisive``: the record's last score before its outcome, or its latest score while
    it is open; ``tier`` and ``probability`` are that score's. ``cohort`` is when the record was
    first scored. ``unseen`` is true where the model that gave the decisive score was trained on a
    window that ended before the outcome (the rules, which learn nothing, never saw one)."""

    cohort: Times  # datetime64[s]: first score
    decisive: Times  # datetime64[s]
    tier: Codes  # int8 1-4
    probability: Floats  # float64, nan where the rules scored (no model yet)
    outcome: Codes  # int8 OPEN / LOST / WON
    outcome_at: Times  # datetime64[s], NaT while open
    unseen: Flags  # bool
    # float64 0-100: the decisive score's priority (what tiers are cut from), to rank records the
    # rules scored (nan probability) within a tier; None when not read (they then tie within a tier)
    priority: Floats | None = None

    def __len__(self) -> int:
        return int(self.tier.shape[0])


@dataclass(frozen=True)
class ScoreStream:
    """Every score written (re-scores included), for the distribution over time: when, the tier,
    the priority (0-100, what tiers are cut from) and the probability (nan under the rules)."""

    scored_at: Times  # datetime64[s]
    tier: Codes  # int8 1-4
    priority: Floats  # float64 0-100
    probability: Floats  # float64


@dataclass(frozen=True)
class InputSample:
    """The model inputs of a bounded random sample of the scores written in one window (what
    ``PersonFeatures.model_row`` gave), to compare windows: ``rows`` are feature -> value, a value
    of None meaning the field was empty. ``total`` is how many scores the window held."""

    label: str  # e.g. "training window", "2026-W48"
    start: datetime
    end: datetime
    rows: Sequence[Mapping[str, object]]
    total: int


@dataclass(frozen=True)
class RoutingLog:
    """One row per routing decision. ``weights``: each candidate rep's effective weight in the pool
    (configured weight times the performance multiplier) when the decision was made, and
    ``multiplier`` the chosen rep's performance multiplier (1.0 when that step was off); both empty
    / nan for decisions outside a weighted pool (account owner, queues, kept owners)."""

    decided_at: Times  # datetime64[s]
    created_at: Times  # datetime64[s]: the record's creation in the CRM, NaT if unknown
    first_touch_at: Times  # datetime64[s]: a person first worked it after assignment, NaT if not yet
    sla_due: Times  # datetime64[s], NaT when no SLA applies
    owner: Texts  # object (str or None)
    queue: Texts  # object (str or None): the queue key when parked
    pool: Texts  # object (str or None)
    rule: Texts  # object (str)
    status: Texts  # object (str): a storage.statuses.DecisionStatus value
    probability: Floats  # float64: the calibrated probability when routed, nan if none
    multiplier: Floats  # float64
    weights: Sequence[Mapping[str, float]]


@dataclass(frozen=True)
class RepFacts:
    """What the routing file says of a rep today (name, configured weight, capacity, active)."""

    owner_id: str
    name: str
    weight: float
    active: bool
    open_capacity: int | None
    weekly_capacity: int | None
    open_leads: int = 0  # leads leadq assigned them that are still open (routing state)


@dataclass(frozen=True)
class MonitorInput:
    """Everything one installation's monitoring reads, at ``now``."""

    now: datetime
    leads: ScoredLeads
    stream: ScoreStream
    inputs: Sequence[InputSample]  # the training window first (when a model exists), then weeks, oldest first
    routing: RoutingLog
    reps: Sequence[RepFacts]
    fallback_queues: frozenset[str]
    performance_floor: float
    performance_cap: float
    weight_tolerance: float = 0.05
    # When leadq was installed: records the CRM created before it (routed by the backfill) say nothing
    # of routing speed, so created-to-assigned counts only the records created after it.
    installed_at: datetime | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
