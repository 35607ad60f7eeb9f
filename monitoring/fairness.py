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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import is_not, ne

import numpy as np
import numpy.typing as npt

from monitoring.frames import MonitorInput, RoutingLog, Texts
from monitoring.report import FairnessLedger, LedgerRow, Note
from monitoring.stats import sums

NO_POOL = "(no pool)"
REFUSED = "refused"  # storage.statuses.DecisionStatus.REFUSED
BOUND_SLACK = 1e-9  # rounding in a stored multiplier is not a breach of the floor or cap
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


def _name(value: object) -> str:
    return NO_POOL if value is None else str(value)


def _new_codes(names: Iterable[str], index: dict[str, int]) -> None:
    """Codes for the names not yet in ``index`` (in sorted order, so codes are deterministic)."""
    for name in sorted(set(names).difference(index)):
        index[name] = len(index)


def _codes(values: Texts, index: dict[str, int]) -> Ints:
    """Each value's code in ``index`` (None as NO_POOL), new values added to it. A column holds
    few distinct values: they are named and coded once, then mapped in one C loop."""
    items = values.tolist()
    names = {value: _name(value) for value in dict.fromkeys(items)}
    _new_codes(names.values(), index)
    lookup = {value: index[name] for value, name in names.items()}
    return np.fromiter(map(lookup.__getitem__, items), np.int64, len(items))


@dataclass(frozen=True)
class WeightSets:
    """The routing log's distinct weight sets, flattened: set ``s`` holds the candidate entries
    ``offsets[s]`` to ``offsets[s] + lengths[s]`` (reps ``keys``, weights ``values``, in the order
    the decision listed them); ``total`` is each set's sum (added in that order) and ``share`` each
    entry's weight over its set's total (meaningless where the total is not positive)."""

    lengths: Ints
    offsets: Ints
    keys: list[str]
    values: Floats
    total: Floats
    share: Floats

    @staticmethod
    def of(sets: Sequence[Mapping[str, float]]) -> WeightSets:
        lengths = np.fromiter(map(len, sets), np.int64, len(sets))
        count = int(lengths.sum())
        values = np.fromiter(chain.from_iterable(w.values() for w in sets), np.float64, count)
        owner = np.repeat(np.arange(len(sets)), lengths)
        total = sums(owner, values, len(sets))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = values / total[owner]
        keys = list(chain.from_iterable(w.keys() for w in sets))
        return WeightSets(lengths, np.cumsum(lengths) - lengths, keys, values, total, share)


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


def _given(log: RoutingLog) -> Flags:
    """Decisions that gave somebody a lead: an owner, and not refused by the CRM."""
    n = len(log.owner)
    owned = np.fromiter(map(is_not, log.owner, repeat(None)), np.bool_, n)
    return owned & np.fromiter(map(ne, log.status, repeat(REFUSED)), np.bool_, n)


def fairness(data: MonitorInput, notes: list[Note]) -> FairnessLedger:
    log = data.routing
    sets = WeightSets.of(log.weight_sets)
    weighted = sets.lengths[log.weight_set] > 0
    total = sets.total[log.weight_set]
    given = _given(log)
    usable = weighted & given & np.isfinite(total) & (total > 0)
    broken = int(np.count_nonzero(weighted & given & ~usable))
    if broken:
        notes.append(
            Note(
                "fairness_zero_weights",
                f"fairness: {broken} decisions whose candidates' weights sum to 0 were left out",
                {"decisions": broken},
            )
        )
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
        notes.append(Note("fairness_no_decisions", "fairness ledger: no decisions in a weighted pool yet"))
        return ledger
    return FairnessLedger(
        rows=_rows(data, usable, sets, notes),
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


def _entries(sets: WeightSets, chosen: Ints) -> Ints:
    """The set entries of the ``chosen`` sets, set after set."""
    lengths = sets.lengths[chosen]
    first = np.cumsum(lengths) - lengths  # each set's first place in the layout
    return np.repeat(sets.offsets[chosen] - first, lengths) + np.arange(int(lengths.sum()))


def _pool_weight_sums(chosen: Ints, sets: WeightSets, entry_rep: Ints) -> tuple[Ints, Floats]:
    """For one pool's decisions (``chosen``: each one's weight set, in decision order): the reps
    that were candidates, and the sum of each one's shares over the decisions, added one decision
    after the other (as a bincount adds: another order would change the last digits), a decision
    where the rep was no candidate adding 0.0 (which changes no sum)."""
    used, local = np.unique(chosen, return_inverse=True)
    entries = _entries(sets, used)
    reps, column = np.unique(entry_rep[entries], return_inverse=True)
    share = np.zeros((len(reps), len(used)))  # per candidate rep and used set: the rep's share
    share[column, np.repeat(np.arange(len(used)), sets.lengths[used])] = sets.share[entries]
    same = np.zeros(len(chosen), dtype=np.intp)
    totals = [np.bincount(same, weights=share[j][local], minlength=1)[0] for j in range(len(reps))]
    return reps, np.array(totals, dtype=np.float64)


def _weight_sums(pool: Ints, pools: int, chosen: Ints, sets: WeightSets, rep_index: dict[str, int]) -> Floats:
    """Per pool x rep cell, the sum over the pool's decisions (in their order) of the rep's share
    of the decision's weights. ``chosen``: each decision's weight set; ``pool``: its pool code, of
    ``pools``. The candidates get rep codes (after the owners')."""
    _new_codes((sets.keys[e] for e in _entries(sets, np.unique(chosen))), rep_index)
    entry_rep = np.fromiter((rep_index.get(k, -1) for k in sets.keys), np.int64, len(sets.keys))
    reps = len(rep_index)
    out = np.zeros(pools * reps)
    order = np.argsort(pool, kind="stable")  # pool by pool, each in decision order
    bounds = np.searchsorted(pool[order], np.arange(pools + 1))
    for p in range(pools):
        candidates, totals = _pool_weight_sums(chosen[order[bounds[p] : bounds[p + 1]]], sets, entry_rep)
        out[p * reps + candidates] = totals
    return out


def _cells(log: RoutingLog, usable: Flags, sets: WeightSets) -> Cells:
    pool_index: dict[str, int] = {}
    rep_index: dict[str, int] = {}
    pool = _codes(log.pool[usable], pool_index)
    owner = _codes(log.owner[usable], rep_index)
    weight_sum = _weight_sums(pool, len(pool_index), log.weight_set[usable], sets, rep_index)
    pools, reps = len(pool_index), len(rep_index)
    cells = pools * reps
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
        weight_sum=weight_sum,
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


def _rows(data: MonitorInput, usable: Flags, sets: WeightSets, notes: list[Note]) -> list[LedgerRow]:
    cells = _cells(data.routing, usable, sets)
    names = {rep.owner_id: rep.name for rep in data.reps}
    plain = [name for name in sorted(cells.pools) if cells.plain[cells.pools[name]]]
    if plain:
        pools = ", ".join(plain)
        notes.append(
            Note(
                "fairness_no_probabilities",
                f"fairness: no probabilities in pool(s) {pools}: expected share taken as lead share",
                {"pools": pools},
            )
        )
    rows = (
        _row(data, cells, pool, owner, names) for pool in sorted(cells.pools) for owner in sorted(cells.reps)
    )
    return [row for row in rows if row is not None]
