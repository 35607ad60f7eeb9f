"""What monitoring reads: leadq's own store, handed over as column arrays (no CRM calls).

``storage.monitor_reads`` builds these from the scores, outcomes and routing log; everything in
``monitoring/`` computes from them and stays pure (numpy and ``core`` only), so a week of a
1,000,000-record installation is a few vectorised passes. Times are UTC ``datetime64[s]``; a missing
time is ``NaT``, a missing number ``nan``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import overload

import numpy as np
import numpy.typing as npt

Times = npt.NDArray[np.datetime64]
Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int8]
Flags = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]  # str or None
Indexes = npt.NDArray[np.int64]
Weights = Mapping[str, float]  # a decision's candidate rep -> effective weight

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
    # bool: the decisive score was given by the model that is the champion now (None: not read), so
    # the calibration of the recent weeks judges the model that scores today, not one retired
    current_model: Flags | None = None

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


class CodedWeights(Sequence[Weights]):
    """Each decision's weights as a read-only sequence over ``sets[codes[i]]`` (no mapping per
    decision is built: a pool's weights are one shared mapping)."""

    def __init__(self, sets: Sequence[Weights], codes: Indexes) -> None:
        self._sets, self._codes = sets, codes

    def __len__(self) -> int:
        return int(self._codes.shape[0])

    @overload
    def __getitem__(self, i: int) -> Weights: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Weights]: ...

    def __getitem__(self, i: int | slice) -> Weights | Sequence[Weights]:
        if isinstance(i, slice):
            return CodedWeights(self._sets, self._codes[i])
        return self._sets[int(self._codes[i])]


def code_weights(weights: Iterable[Weights]) -> tuple[list[Weights], Indexes]:
    """The distinct weights (the same reps with the same weights in the same order: one set), in
    the order first seen, and each decision's index into them."""
    index: dict[tuple[tuple[str, float], ...], int] = {}
    sets: list[Weights] = []

    def code(w: Weights) -> int:
        key = tuple(w.items())
        found = index.get(key)
        if found is None:
            found = index[key] = len(sets)
            sets.append(w)
        return found

    codes = np.fromiter(map(code, weights), np.int64)
    return sets, codes


def _no_indexes() -> Indexes:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class RoutingLog:
    """One row per routing decision. ``weights``: each candidate rep's effective weight in the pool
    (configured weight times the performance multiplier) when the decision was made, and
    ``multiplier`` the chosen rep's performance multiplier (1.0 when that step was off); both empty
    / nan for decisions outside a weighted pool (account owner, queues, kept owners).

    The weights also come coded, as a pool's weights repeat from decision to decision:
    ``weight_sets`` holds each distinct weights mapping once and ``weight_set`` each decision's
    index into it. Give either ``weights`` (one mapping per decision) or ``weight_set`` and
    ``weight_sets``; the other form is filled in (``weights`` then a view over the sets)."""

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
    weights: Sequence[Weights] = ()
    weight_set: Indexes = field(default_factory=_no_indexes)  # int64 per decision
    weight_sets: Sequence[Weights] = ()

    def __post_init__(self) -> None:
        n = len(self.decided_at)
        if len(self.weight_set) != n:
            if len(self.weights) != n:
                raise ValueError(f"routing log: {len(self.weights)} weights for {n} decisions")
            sets, codes = code_weights(self.weights)
            object.__setattr__(self, "weight_sets", sets)
            object.__setattr__(self, "weight_set", codes)
            return
        if n and not 0 <= int(self.weight_set.min()) <= int(self.weight_set.max()) < len(self.weight_sets):
            raise ValueError(f"routing log: weight set codes outside the {len(self.weight_sets)} sets")
        if len(self.weights) != n:
            object.__setattr__(self, "weights", CodedWeights(self.weight_sets, self.weight_set))


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
class ModelBaseline:
    """What the champion scored on the outcomes held out when it was trained (the newest quarter of
    its training window, time-ordered): the figures monitoring compares go-live against, so an
    alarm says the model got worse, not that it was never as good as a bar. None where not recorded
    (a model trained before leadq recorded them)."""

    version: str
    outcomes: int  # held-out outcomes
    conversions: int  # of them won
    top30_capture: float | None  # share of the conversions in the top 30% by probability
    ece: float | None  # expected calibration error (ten equal-count bins)


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
    baseline: ModelBaseline | None = None  # the champion's held-out figures at training
    extra: Mapping[str, object] = field(default_factory=dict)
