"""The model families: training time (2 cores) and scoring throughput with reasons (one core).

    .venv/bin/python bench/model_bench.py [--rows 50000] [--columns 40] [--leads 100000] [--json FILE]

Training: a seeded table of ROWS leads x COLUMNS features (half numbers, half categories of 3 to 40
values, some missing; the outcome from an additive signal plus two pairwise effects), each family
fitted by ``scoring.families.fit_model`` as the product fits it (time-ordered, held-out calibration
and the refit included), on 2 cores. Also the held-out AUC of each on the newest quarter.

Scoring: leads from the seeded sandbox CRM, each family trained on its closed deals, scored by
``score_people`` (reasons included) on one core; timings exclude data generation and training.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import emit
from scoring.encoding import CATEGORICAL, NUMERIC
from scoring.families import FAMILIES, fit_model


def table(rows: int, columns: int, seed: int = 7) -> tuple[list[dict[str, Any]], np.ndarray, dict[str, str]]:
    """A seeded lead table (oldest first) with an additive signal and two pairwise effects."""
    rng = np.random.default_rng(seed)
    kinds = {
        f"n{k}" if k % 2 == 0 else f"c{k}": NUMERIC if k % 2 == 0 else CATEGORICAL for k in range(columns)
    }
    data: dict[str, Any] = {}
    signal = np.zeros(rows)
    for k, name in enumerate(kinds):
        weight = 1.0 / (1 + k // 4)
        if kinds[name] == NUMERIC:
            values = rng.lognormal(2.0, 1.0, rows)
            signal += weight * np.tanh(np.log(values) - 2.0)
            missing = rng.random(rows) < 0.05
            data[name] = [None if m else float(v) for v, m in zip(values, missing, strict=True)]
        else:
            levels = 3 + (k * 7) % 38
            codes = rng.integers(0, levels, rows)
            effects = rng.normal(0, weight, levels)
            signal += effects[codes]
            missing = rng.random(rows) < 0.05
            data[name] = [None if m else f"v{c}" for c, m in zip(codes, missing, strict=True)]
    n0, c1 = np.nan_to_num(np.array(data["n0"], dtype=float), nan=7.0), np.array(data["c1"], dtype=object)
    signal += 1.2 * ((n0 > 10) & (c1 == "v0")) - 0.8 * ((n0 < 4) & (c1 == "v1"))
    labels = (rng.random(rows) < 1 / (1 + np.exp(-(signal - 1.0)))).astype(int)
    out = [{name: data[name][i] for name in kinds} for i in range(rows)]
    return out, labels, kinds


def training(rows: int, columns: int) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    data, labels, kinds = table(rows, columns)
    cut = int(rows * 0.75)
    figures: dict[str, Any] = {}
    for family in FAMILIES:
        started = time.perf_counter()
        model = fit_model(family, data, labels, kinds, version="bench", kind="table", time_ordered=True)
        seconds = time.perf_counter() - started
        held = fit_model(
            family, data[:cut], labels[:cut], kinds, version="b", kind="table", time_ordered=True
        )
        auc = float(roc_auc_score(labels[cut:], held.probabilities(data[cut:])))
        print(
            f"{family}: trained on {rows:,} x {columns} in {seconds:.1f}s (2 cores); held-out AUC {auc:.4f}"
        )
        figures[family] = {
            "train_seconds": round(seconds, 2),
            "terms": len(model.features),
            "held_out_auc": round(auc, 4),
        }
    return {"rows": rows, "columns": columns, "cores": 2, **figures}


def scoring(leads: int) -> dict[str, Any]:
    from sandbox.clock import ManualClock
    from sandbox.hubspot.store import Portal
    from sandbox.seed import DEFAULT_ANCHOR, seed_portal
    from scoring.features import person_features
    from scoring.icp import load_icp
    from scoring.parse import parse_email
    from scoring.score import score_people
    from scoring.titles import parse_title
    from scoring.training import CRM_KINDS
    from tests.builders import NOW, sandbox_examples, sandbox_people

    portal = Portal(portal_id=1, domain="bench.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=5, records=leads)
    icp = load_icp()
    examples = sorted(sandbox_examples(portal), key=lambda e: e.decided_at)
    rows = [person_features(e.person, e.account, icp, e.decided_at).model_row() for e in examples]
    labels = np.array([int(e.won) for e in examples])
    people = sandbox_people(portal)
    figures: dict[str, Any] = {"leads": leads, "cores": 1}
    import gc

    for family in FAMILIES:
        model = fit_model(family, rows, labels, CRM_KINDS, version="bench", kind="crm", time_ordered=True)
        parse_title.cache_clear()
        parse_email.cache_clear()
        gc.collect()
        started = time.perf_counter()
        scores = score_people(people, icp, model, NOW)
        elapsed = time.perf_counter() - started
        assert len(scores) == leads and all(s.reasons for s in scores)
        print(f"{family}: {leads:,} leads with reasons in {elapsed:.2f}s = {leads / elapsed:,.0f} leads/s")
        figures[family] = {"throughput_leads_per_s": round(leads / elapsed), "terms": len(model.features)}
    return figures


def _cores(n: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(available[:n]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--columns", type=int, default=40)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-scoring", action="store_true")
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    if not args.skip_training:
        _cores(2)
        figures["training"] = training(args.rows, args.columns)
    if not args.skip_scoring:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        _cores(1)
        figures["scoring"] = scoring(args.leads)
    emit(args.json, {"model_families": figures})


if __name__ == "__main__":
    main()
