"""The routing log's weights, per decision or coded (the distinct weight sets and each decision's
index into them, as the store reader hands them over): either form gives the other, and the
fairness ledger is the same number for number whichever was given."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from monitoring.fairness import fairness
from monitoring.frames import code_weights
from tests.unit.monitoring.build import monitor_input, rep, routing

AE = {"a": 2.0, "b": 1.0, "c": 0.5}
AE_AWAY = {"a": 2.0, "b": 1.0}
AE_REORDERED = {"c": 0.5, "a": 2.0, "b": 1.0}


def _rows(n: int = 600) -> list[dict[str, object]]:
    rng = np.random.default_rng(3)
    rows: list[dict[str, object]] = []
    for i in range(n):
        weights = (AE, AE_AWAY, AE_REORDERED, {})[i % 4]
        owner = None if not weights else str(rng.choice(list(weights)))
        rows.append(
            {
                "pool": "ae" if i % 9 else "se",
                "owner": owner,
                "status": "refused" if i % 31 == 0 else ("assigned" if owner else "parked"),
                "weights": weights,
                "probability": float(rng.random() * 0.3) if i % 5 else np.nan,
                "multiplier": 1.0 if owner else np.nan,
            }
        )
    return rows


def test_per_decision_weights_are_coded_into_distinct_sets_first_seen_first() -> None:
    log = routing(_rows(8))
    # The same weights in another key order are another set (their sum is added in that order).
    assert [dict(s) for s in log.weight_sets] == [AE, AE_AWAY, AE_REORDERED, {}]
    assert list(next(iter(log.weight_sets[2]))) == ["c"]
    assert log.weight_set.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]


def test_coded_weights_read_back_per_decision() -> None:
    plain = routing(_rows(8))
    coded = dataclasses.replace(plain, weights=(), weight_set=plain.weight_set, weight_sets=plain.weight_sets)
    assert len(coded.weights) == 8
    assert [dict(w) for w in coded.weights] == [dict(w) for w in plain.weights]
    assert [dict(w) for w in coded.weights[1:3]] == [AE_AWAY, AE_REORDERED]


def test_the_ledger_is_identical_from_weights_or_from_codes() -> None:
    plain = routing(_rows())
    sets, codes = code_weights(plain.weights)
    # The sets in another order: codes are only an index, the ledger must not depend on them.
    flipped = list(reversed(sets))
    recoded = dataclasses.replace(plain, weights=(), weight_set=len(sets) - 1 - codes, weight_sets=flipped)
    reps = [rep(r) for r in ("a", "b", "c")]
    notes_plain: list[str] = []
    notes_coded: list[str] = []
    ledger = fairness(monitor_input(routing=plain, reps=reps), notes_plain)
    again = fairness(monitor_input(routing=recoded, reps=reps), notes_coded)
    assert ledger.rows and again == ledger and notes_coded == notes_plain
    assert {row.pool for row in ledger.rows} == {"ae", "se"}


def test_codes_outside_the_sets_are_refused_with_a_clear_message() -> None:
    plain = routing(_rows(4))
    with pytest.raises(ValueError, match="weight set codes outside the 2 sets"):
        dataclasses.replace(
            plain, weights=(), weight_set=np.array([0, 1, 2, 1]), weight_sets=plain.weight_sets[:2]
        )
    with pytest.raises(ValueError, match="3 weights for 4 decisions"):
        dataclasses.replace(plain, weights=plain.weights[:3], weight_set=np.zeros(0, dtype=np.int64))
