"""Fitting segment models, each gated against the global model on its segment's held-out outcomes.

For each segment (``scoring.segment_config``) with at least ``min_outcomes`` outcomes before the
held-out window, ``min_wins`` of them won and as many lost, a model of the global model's family is fit
on the segment's training rows alone (with the reps' feedback on its leads, as the global model learns
it). On the segment's held-out outcomes (at least ``MIN_TEST_EACH`` won and as many lost), its AUC is
compared with the held-out global model's on the same leads: the segment model is kept only if it wins
by the margin a challenger needs to replace the champion (``scoring.registry.decide_promotion``) and
by more than chance explains on so few leads (``scoring.auc_compare``: DeLong's test, one-sided 95%,
shared by the segments tried). Without that second check a segment that converts like every other
lead got a model of its own in about one training in five (a few hundred held-out leads move an AUC by
a point or two by chance alone). A kept segment model is then refit on every row of its segment for
the final model, as the global model is refit on every row.

The report section says, per segment and in words an admin reads, what it had and why its model was
kept or not, with the calibration on its held-out leads of the model that would have scored them.
Pure: the caller passes the fit (``Fit``), so the segment models are of the family it chose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.auc_compare import AucGap, compare, one_sided_z
from scoring.calibration import group_row
from scoring.leadmodel import LearnedModel
from scoring.registry import decide_promotion
from scoring.segment_config import BY_WORDS, COMPANY_SIZE, SegmentConfig, segment_key, segment_words
from scoring.segments import segmented

REST = "the model of all leads scores it"
MIN_TEST_EACH = 10  # a segment's held-out outcomes need this many won and as many lost to judge it

Rows = Sequence[Mapping[str, Any]]
# (rows, labels, weights or None, version, metadata) -> a fitted model of the chosen family
Fit = Callable[[Rows, np.ndarray, np.ndarray | None, str, dict[str, Any]], LearnedModel]


@dataclass(frozen=True)
class SegmentData:
    """The rows the held-out global model was fit and tested on.

    ``train_*``: what it learned from (older outcomes and the reps' feedback); ``counted_*``: the older
    outcomes alone (what a segment's outcomes are counted on); ``test_*``: the newest outcomes, held
    out."""

    train_rows: Rows
    train_y: np.ndarray
    train_w: np.ndarray | None
    counted_rows: Rows
    counted_y: np.ndarray
    test_rows: Rows
    test_y: np.ndarray


@dataclass(frozen=True)
class SegmentGate:
    """The gate's outcome: the held-out model (segmented when a segment model was kept, else the
    global one: what the report's held-out figures describe) and the report section."""

    held_out: LearnedModel
    section: dict[str, Any]

    @property
    def kept(self) -> list[str]:
        return list(self.section.get("kept") or [])


def _mask(by: str, rows: Rows, key: str) -> np.ndarray:
    return np.array([segment_key(by, r) == key for r in rows], dtype=bool)


def _pick(rows: Rows, mask: np.ndarray) -> list[Mapping[str, Any]]:
    return [row for row, keep in zip(rows, mask, strict=True) if keep]


def _weights(w: np.ndarray | None, mask: np.ndarray) -> np.ndarray | None:
    return None if w is None else w[mask]


def _too_few(n: int, won: int, config: SegmentConfig) -> str | None:
    if n >= config.min_outcomes and min(won, n - won) >= config.min_wins:
        return None
    return (
        f"too few outcomes for a model of its own: {n:,} before the held-out window ({won:,} won); "
        f"it needs {config.min_outcomes:,} with {config.min_wins:,} won and {config.min_wins:,} lost "
        "([segments] in the ICP), so the model of all leads scores it"
    )


def _verdict(gap: AucGap, n_test: int, z_needed: float) -> tuple[bool, str]:
    """Kept when the segment model wins by the champion/challenger margin and by more than chance."""
    head = (
        f"on its {n_test:,} held-out outcomes its own model ranked leads right {gap.second * 100:.1f} "
        f"times in 100 against the model of all leads' {gap.first * 100:.1f} (AUC {gap.second:.3f} against "
        f"{gap.first:.3f})"
    )
    if not decide_promotion(gap.first, gap.second).promote:
        return False, f"not kept: {head}, not better by the margin a new model needs; {REST}"
    if gap.z() < z_needed:
        needed = z_needed * gap.se
        return False, (
            f"not kept: {head}, but on so few leads chance alone can make a gap that size (it needed more "
            f"than {needed:.3f}); {REST}"
        )
    return True, f"kept: {head}, better by the margin a new model needs and by more than chance explains"


def _judge(
    key: str,
    data: SegmentData,
    held_out_global: LearnedModel,
    config: SegmentConfig,
    fit: Fit,
    version: str,
) -> tuple[dict[str, Any], tuple[LearnedModel, AucGap] | None]:
    """One segment's trial: its row in the report and, when it had enough outcomes to be tried, its
    held-out model with the AUCs of both models on its held-out outcomes."""
    by = config.by
    counted = _mask(by, data.counted_rows, key)
    n, won = int(counted.sum()), int(data.counted_y[counted].sum())
    test = _mask(by, data.test_rows, key)
    test_y = data.test_y[test]
    row: dict[str, Any] = {
        "segment": key,
        "words": segment_words(by, key),
        "n_train": n,
        "won": won,
        "n_test": int(test.sum()),
        "test_won": int(test_y.sum()),
        "global_auc": None,
        "segment_auc": None,
        "kept": False,
    }
    why = _too_few(n, won, config)
    if why is None and min(row["test_won"], row["n_test"] - row["test_won"]) < MIN_TEST_EACH:
        why = (
            f"too few held-out outcomes to compare: {row['n_test']:,} ({row['test_won']:,} won); judging "
            f"needs {MIN_TEST_EACH} won and {MIN_TEST_EACH} lost, so the model of all leads scores it"
        )
    if why is not None:
        return {**row, "why": why}, None
    train = _mask(by, data.train_rows, key)
    model = fit(
        _pick(data.train_rows, train),
        data.train_y[train],
        _weights(data.train_w, train),
        f"{version}-holdout-segment",
        {"segment": key, "n_train": n},
    )
    test_rows = _pick(data.test_rows, test)
    gap = compare(test_y, held_out_global.probabilities(test_rows), model.probabilities(test_rows))
    row["global_auc"], row["segment_auc"] = round(gap.first, 4), round(gap.second, 4)
    row["gap_se"] = round(gap.se, 4)
    return row, (model, gap)


def _calibration(section: dict[str, Any], data: SegmentData, held_out: LearnedModel, by: str) -> None:
    """Each segment's calibration on its held-out leads, by the model that would have scored them."""
    p = held_out.probabilities(data.test_rows) if len(data.test_rows) else np.zeros(0)
    keys = np.array([segment_key(by, r) for r in data.test_rows], dtype=object)
    for row in section["segments"]:
        mask = keys == row["segment"]
        row["calibration"] = group_row(row["words"], data.test_y[mask], p[mask])


def gate_segments(
    data: SegmentData,
    held_out_global: LearnedModel,
    config: SegmentConfig,
    fit: Fit,
    *,
    version: str,
    monotone: Mapping[str, int] | None = None,
) -> SegmentGate:
    """Try a model per segment against the held-out global one (see the module). ``monotone`` (the
    ICP's ``[model] monotone``): with employees in it, there are no models per company size, whose
    different starting points could score a bigger company lower at a band's edge."""
    section: dict[str, Any] = {
        "by": config.by,
        "by_words": BY_WORDS[config.by],
        "min_outcomes": config.min_outcomes,
        "min_wins": config.min_wins,
        "segments": [],
        "kept": [],
    }
    if config.by == COMPANY_SIZE and "employees" in (monotone or {}):
        section["off"] = (
            "no segment models by company size: the ICP's [model] monotone sets employees, and a model "
            "per size band could score a bigger company lower than a smaller one at a band's edge"
        )
    if not config.on or section.get("off"):
        return SegmentGate(held_out_global, section)
    counts = Counter(segment_key(config.by, r) for r in data.counted_rows)
    tried: dict[str, tuple[LearnedModel, AucGap]] = {}
    for key, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        row, trial = _judge(key, data, held_out_global, config, fit, version)
        section["segments"].append(row)
        if trial is not None:
            tried[key] = trial
    z_needed = one_sided_z(len(tried))  # the segments tried are judged together
    section["z_needed"] = round(z_needed, 3)
    kept: dict[str, LearnedModel] = {}
    for row in section["segments"]:
        if row["segment"] in tried:
            model, gap = tried[row["segment"]]
            row["kept"], row["why"] = _verdict(gap, row["n_test"], z_needed)
            if row["kept"]:
                kept[row["segment"]] = model
    section["kept"] = sorted(kept)
    held_out = segmented(held_out_global, config.by, kept, data.train_rows) if kept else held_out_global
    _calibration(section, data, held_out, config.by)
    return SegmentGate(held_out, section)


def refit_segments(
    gate: SegmentGate,
    final_global: LearnedModel,
    rows: Rows,
    labels: np.ndarray,
    weights: np.ndarray | None,
    fit: Fit,
    *,
    version: str,
) -> LearnedModel:
    """The final model: each kept segment model refit on every row of its segment (``rows``: what the
    final global model learned from), joined with the final global model; that model alone when no
    segment model was kept."""
    if not gate.kept:
        return final_global
    by = str(gate.section["by"])
    final: dict[str, LearnedModel] = {}
    for key in gate.kept:
        mask = _mask(by, rows, key)
        counted = next(r for r in gate.section["segments"] if r["segment"] == key)
        final[key] = fit(
            _pick(rows, mask),
            labels[mask],
            _weights(weights, mask),
            f"{version}-segment",
            {"segment": key, "n_train": counted["n_train"] + counted["n_test"]},
        )
    return segmented(final_global, by, final, rows, {"segments": {"by": by, "kept": gate.kept}})
