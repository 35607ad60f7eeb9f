"""The fairness ledger: per pool and rep, over the decisions made in a weighted pool (those with
candidate weights), what the rep received against what their weight entitled them to.

- ``weight_share``: the mean over the pool's decisions of w_rep / sum(w) of that decision's
  candidates, counting 0 for a decision where the rep was not a candidate (away, at capacity, out of
  hours). That is the share of the pool's leads a rep would get if every decision drew its owner at
  random in proportion to the effective weights of the reps then available: it sums to 1 over the
  pool's reps, and a rep on leave for half the period is entitled to about half their full share
  (averaging only over the decisions a rep was a candidate in would promise them leads they could
  not take, and the shares would no longer add up).
- ``lead_share``: the rep's share of the pool's decisions. A decision the CRM refused (or with no
  owner) gave nobody a lead and is left out of the ledger altogether.
- ``expected_share``: the rep's share of the pool's expected conversions (the sum of calibrated
  probabilities at routing time); a decision without a probability counts as the pool's mean
  probability, and in a pool with no probability at all (the rules scored every lead) each decision
  counts alike, so the expected share is the lead share.
- ``drift`` = expected_share - weight_share; ``within_tolerance``: |drift| <= the tolerance.
- Multipliers: the performance multipliers applied to the rep's own decisions (min, max);
  ``within_floor_and_cap``: every multiplier in the log inside [floor, cap].
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, compress

import numpy as np
import numpy.typing as npt

from monitoring.frames import MonitorInput, RoutingLog
from monitoring.report import FairnessLedger, LedgerRow
from monitoring.stats import sums

NO_POOL = "(no pool)"
REFUSED = "refused"  # storage.statuses.DecisionStatus.REFUSED
BOUND_SLACK = 1e-9  # rounding in a stored multiplier is not a breach of the floor or cap
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def _codes(values: list[str], index: dict[str, int]) -> Ints:
    """Each value's code in ``index``, new values added to it (in sorted order, so codes are
    deterministic)."""
    for value in sorted(set(values).difference(index)):
        index[value] = len(index)
    return np.fromiter(map(index.__getitem__, values), np.int64, len(values))


def _pool_mean_probability(pool: Ints, probability: Floats, pools: int) -> Floats:
    known = ~np.isnan(probability)
    total = sums(pool[known], probability[known], pools)
    count = np.bincount(pool[known], minlength=pools)
    mean: Floats = np.divide(total, count, out=np.full(pools, np.nan), where=count > 0)
    return mean


def _cell_extremes(cell: Ints, multiplier: Floats, cells: int) -> tuple[Floats, Floats]:
    known = ~np.isnan(multiplier)
    low, high = np.full(cells, np.inf), np.full(cells, -np.inf)
    np.minimum.at(low, cell[known], multiplier[known])
    np.maximum.at(high, cell[known], multiplier[known])
    return low, high


def within_floor_and_cap(multiplier: Floats, floor: float, cap: float) -> bool:
    known = multiplier[~np.isnan(multiplier)]
    return bool(np.all((known >= floor - BOUND_SLACK) & (known <= cap + BOUND_SLACK)))


def fairness(data: MonitorInput, notes: list[str]) -> FairnessLedger:
    log = data.routing
    weights = log.weights
    lengths = np.fromiter(map(len, weights), np.int64, len(weights))
    values = np.fromiter(chain.from_iterable(w.values() for w in weights), np.float64, int(lengths.sum()))
    decision = np.repeat(np.arange(lengths.size), lengths)
    total = sums(decision, values, lengths.size)
    given = np.fromiter(
        (o is not None and s != REFUSED for o, s in zip(log.owner, log.status, strict=True)),
        np.bool_,
        len(weights),
    )
    usable = (lengths > 0) & given & np.isfinite(total) & (total > 0)
    broken = int(np.count_nonzero((lengths > 0) & given & ~usable))
    if broken:
        notes.append(f"fairness: {broken} decisions whose candidates' weights sum to 0 were left out")
    ledger = FairnessLedger(
        rows=[],
        tolerance=data.weight_tolerance,
        floor=data.performance_floor,
        cap=data.performance_cap,
        within_floor_and_cap=within_floor_and_cap(
            log.multiplier, data.performance_floor, data.performance_cap
        ),
    )
    if not usable.any():
        notes.append("fairness ledger: no decisions in a weighted pool yet")
        return ledger
    return FairnessLedger(
        rows=_rows(data, usable, decision, values, total, notes),
        tolerance=ledger.tolerance,
        floor=ledger.floor,
        cap=ledger.cap,
        within_floor_and_cap=ledger.within_floor_and_cap,
    )


@dataclass(frozen=True)
class Cells:
    """Per pool (codes in ``pools``) and per pool x rep cell (pool * len(reps) + rep)."""

    pools: dict[str, int]
    reps: dict[str, int]
    decisions: Ints  # per pool
    weight_sum: Floats  # per cell: sum over the pool's decisions of w_rep / sum(w)
    leads: Ints
    expected: Floats  # per cell: sum of (imputed) probabilities
    pool_expected: Floats
    plain: npt.NDArray[np.bool_]  # per pool: no probability to weigh by
    low: Floats  # per cell: the smallest multiplier applied (inf: none)
    high: Floats


def _cells(
    log: RoutingLog, usable: npt.NDArray[np.bool_], decision: Ints, values: Floats, total: Floats
) -> Cells:
    pool_index: dict[str, int] = {}
    rep_index: dict[str, int] = {}
    pool = _codes([NO_POOL if p is None else str(p) for p in log.pool[usable]], pool_index)
    owner = _codes([str(o) for o in log.owner[usable]], rep_index)
    entry = usable[decision]
    keys = list(chain.from_iterable(w.keys() for w in log.weights))
    candidate = _codes(list(compress(keys, entry.tolist())), rep_index)
    pools, reps = len(pool_index), len(rep_index)
    cells = pools * reps
    position = np.cumsum(usable) - 1  # a decision's place among the usable ones
    entry_pool = pool[position[decision[entry]]]
    share = values[entry] / total[decision[entry]]
    owned = pool * reps + owner
    probability = log.probability[usable]
    mean = _pool_mean_probability(pool, probability, pools)
    imputed = np.nan_to_num(np.where(np.isnan(probability), mean[pool], probability), nan=0.0)
    pool_expected = sums(pool, imputed, pools)
    low, high = _cell_extremes(owned, log.multiplier[usable], cells)
    return Cells(
        pools=pool_index,
        reps=rep_index,
        decisions=np.bincount(pool, minlength=pools),
        weight_sum=sums(entry_pool * reps + candidate, share, cells),
        leads=np.bincount(owned, minlength=cells),
        expected=sums(owned, imputed, cells),
        pool_expected=pool_expected,
        plain=np.isnan(mean) | (pool_expected <= 0),
        low=low,
        high=high,
    )


def _row(
    data: MonitorInput, cells: Cells, pool_name: str, owner_id: str, names: dict[str, str]
) -> LedgerRow | None:
    p = cells.pools[pool_name]
    c = p * len(cells.reps) + cells.reps[owner_id]
    if cells.weight_sum[c] == 0 and cells.leads[c] == 0:
        return None
    weight_share = float(cells.weight_sum[c] / cells.decisions[p])
    lead_share = float(cells.leads[c] / cells.decisions[p])
    expected_share = lead_share if cells.plain[p] else float(cells.expected[c] / cells.pool_expected[p])
    gap = expected_share - weight_share
    return LedgerRow(
        pool=pool_name,
        owner_id=owner_id,
        name=names.get(owner_id, owner_id),
        weight_share=weight_share,
        lead_share=lead_share,
        expected_share=expected_share,
        drift=gap,
        within_tolerance=bool(abs(gap) <= data.weight_tolerance + BOUND_SLACK),
        multiplier_min=float(cells.low[c]) if np.isfinite(cells.low[c]) else None,
        multiplier_max=float(cells.high[c]) if np.isfinite(cells.high[c]) else None,
        leads=int(cells.leads[c]),
        expected_conversions=float(cells.expected[c]),
    )


def _rows(
    data: MonitorInput,
    usable: npt.NDArray[np.bool_],
    decision: Ints,
    values: Floats,
    total: Floats,
    notes: list[str],
) -> list[LedgerRow]:
    cells = _cells(data.routing, usable, decision, values, total)
    names = {rep.owner_id: rep.name for rep in data.reps}
    plain = [name for name in sorted(cells.pools) if cells.plain[cells.pools[name]]]
    if plain:
        notes.append(
            "fairness: no probabilities in pool(s) "
            + ", ".join(plain)
            + ": expected share taken as lead share"
        )
    rows = (
        _row(data, cells, pool, owner, names) for pool in sorted(cells.pools) for owner in sorted(cells.reps)
    )
    return [row for row in rows if row is not None]
