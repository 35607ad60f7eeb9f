"""The CSV workflow: evaluate, train and score a lead export with the product's own pipeline.

No per-dataset tuning: columns are inferred, the split is time-ordered when a
time column is given (train on older, test on newer) and stratified-random
otherwise, and the model chooses its own regularisation on held-out data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from scoring.columns import ColumnInfo, FeatureRows, feature_rows, infer_columns, parse_date
from scoring.evaluate import (
    calibration_table,
    headline,
    leak_warnings,
    lift_by_decile,
    missed_conversions,
    single_feature_auc,
    tier_table,
)
from scoring.icp import Icp, load_icp
from scoring.leadmodel import LeadModel, fit_lead_model, generic_describer
from scoring.table import Table, TableError, labels_for, read_csv

TEST_FRACTION = 0.25
SEED = 0


def tiers_for(priority: np.ndarray, icp: Icp) -> list[str]:
    l1, l2, l3 = icp.tier_thresholds
    return ["L1" if p >= l1 else "L2" if p >= l2 else "L3" if p >= l3 else "L4" for p in priority]


def _prepare(
    data: bytes | str, target: str, positive: str | None, time_column: str | None, exclude: Sequence[str]
) -> tuple[Table, list[ColumnInfo], FeatureRows, dict[str, str], np.ndarray, list[float] | None, list[str]]:
    table = read_csv(data)
    notes: list[str] = []
    unknown = [c for c in exclude if c not in table.columns]
    if unknown:
        notes.append(f"--exclude names columns that are not in the file: {', '.join(unknown)}")
    if time_column and time_column not in table.columns:
        raise TableError(f"time column {time_column!r} is not in the file")
    labels, _positive = labels_for(table, target, positive)
    keep = [i for i, label in enumerate(labels) if label is not None]
    if len(keep) < len(labels):
        notes.append(f"{len(labels) - len(keep)} row(s) without a value in {target!r} were left out")
    times: list[float] | None = None
    if time_column:
        when = table.column(time_column)
        stamps = [parse_date(when[i]) for i in keep]
        dropped = sum(s is None for s in stamps)
        if dropped:
            notes.append(f"{dropped} row(s) with an unreadable {time_column!r} were left out")
        keep = [i for i, s in zip(keep, stamps, strict=True) if s is not None]
        times = [s.timestamp() for s in stamps if s is not None]
        order = np.argsort(times, kind="stable")
        keep = [keep[i] for i in order]
        times = [times[i] for i in order]
    y = np.array([labels[i] for i in keep], dtype=int)
    del labels
    if len(keep) < len(table) or times is not None:
        table.keep(keep)
    if len(set(y.tolist())) < 2:
        raise TableError(f"target column {target!r} has a single class among usable rows")
    infos = infer_columns(table, skip=[target, *exclude])
    if time_column:
        # The time column orders the split; only its weekday is a feature (the date itself would
        # let the model learn "newer rows" rather than anything about the lead).
        infos = [
            ColumnInfo(i.name, "date", date_format=i.date_format) if i.name == time_column else i
            for i in infos
        ]
    for info in infos:
        if info.kind == "dropped":
            notes.append(f"column {info.name!r} not used: {info.reason}")
    rows, kinds = feature_rows(table, infos)
    if not kinds:
        raise TableError("no usable columns are left to learn from")
    return table, infos, rows, kinds, y, times, notes


def _split(y: np.ndarray, times: list[float] | None) -> tuple[np.ndarray, np.ndarray, str]:
    n = len(y)
    if times is not None:
        cut = round(n * (1 - TEST_FRACTION))
        return np.arange(cut), np.arange(cut, n), "(time-ordered: trained on older rows, tested on newer)"
    train, test = train_test_split(np.arange(n), test_size=TEST_FRACTION, random_state=SEED, stratify=y)
    return np.sort(train), np.sort(test), "(stratified random holdout)"


def evaluate_csv(
    data: bytes | str,
    target: str,
    *,
    positive: str | None = None,
    time_column: str | None = None,
    exclude: Sequence[str] = (),
    icp: Icp | None = None,
    check_leaks: bool = True,
) -> dict[str, Any]:
    """Train on a holdout split with the product's pipeline and report on the held-out rows."""
    icp = icp or load_icp()
    table, infos, rows, kinds, y, times, notes = _prepare(data, target, positive, time_column, exclude)
    del table  # the raw cells are not needed any more: only the features
    train, test = _split(y, times)[:2]
    split_words = _split(y, times)[2]
    train_rows = rows.take(train)
    model = fit_lead_model(
        train_rows, y[train], kinds, version="evaluation", kind="table", time_ordered=times is not None
    )
    test_rows = rows.take(test)
    del rows
    explanation = model.explain(test_rows)
    p = explanation.probabilities
    priority = model.priority(p)
    tiers = tiers_for(priority, icp)
    report: dict[str, Any] = {
        **headline(y[test], p),
        "n_train": len(train),
        "n_test": len(test),
        "split": split_words,
        "model_version": model.version,
        "chosen_C": model.model.C_,
        "tiers": tier_table(y[test], tiers),
        "calibration": calibration_table(y[test], p),
        "lift": lift_by_decile(y[test], p),
        "missed": {"L4 leads": missed_conversions(y[test], np.array(tiers) == "L4")},
        "top_factors": model.global_factors(explanation),
        "columns": [asdict(i) for i in infos],
        "notes": notes,
        "warnings": [],
    }
    dq = _disqualified_mask(test_rows)
    if dq is not None:
        report["missed"]["disqualified leads"] = missed_conversions(y[test], dq)
    if check_leaks:
        singles = single_feature_auc(train_rows, kinds, y[train])
        report["single_column_auc"] = singles
        report["warnings"].extend(leak_warnings(singles))
    if report["auc"] >= 0.97:
        suspects = sorted(report.get("single_column_auc", {}).items(), key=lambda kv: -max(kv[1], 1 - kv[1]))[
            :3
        ]
        named = ", ".join(f"{name!r} (alone: AUC {auc:.2f})" for name, auc in suspects)
        report["warnings"].append(
            f"held-out AUC {report['auc']:.3f} is too good to be true for lead data: "
            f"check the columns for ones filled in after the outcome{': ' + named if named else ''}"
        )
    return report


def _disqualified_mask(rows: Sequence[Mapping[str, Any]]) -> np.ndarray | None:
    keys = [k for k in (rows[0] if rows else {}) if k.endswith("(seniority)") or k.endswith("(kind)")]
    if not keys:
        return None
    bad = {"student", "intern", "job_seeker", "edu"}
    return np.array([any(r.get(k) in bad for k in keys) for r in rows])


def train_csv(
    data: bytes | str,
    target: str,
    *,
    positive: str | None = None,
    time_column: str | None = None,
    exclude: Sequence[str] = (),
    version: str | None = None,
) -> LeadModel:
    """Train on every usable row (for ``leadq train``); the artifact remembers the columns."""
    table, infos, rows, kinds, y, times, notes = _prepare(data, target, positive, time_column, exclude)
    del table
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    model = fit_lead_model(
        rows,
        y,
        kinds,
        version=version or f"csv-{stamp}",
        kind="table",
        time_ordered=times is not None,
        metadata={
            "target": target,
            "columns": [asdict(i) for i in infos],
            "notes": notes,
            "n_train": len(y),
            "base_rate": float(y.mean()),
            "window": [min(times), max(times)] if times else None,
        },
    )
    return model


def scored_rows(
    data: bytes | str, model: LeadModel, icp: Icp | None = None, top_reasons: int = 4
) -> tuple[str, Iterator[list[str]]]:
    """The CSV's separator and its rows (header first) with leadq's columns appended: score,
    probability, tier, verdict, reasons. Rows are produced one at a time, for writing as they come."""
    icp = icp or load_icp()
    table = read_csv(data)
    infos = [ColumnInfo(**c) for c in model.metadata.get("columns", [])]
    missing = [i.name for i in infos if i.kind != "dropped" and i.name not in table.columns]
    if missing:
        raise TableError(f"the model needs columns that are not in the file: {', '.join(missing)}")
    rows, _kinds = feature_rows(table, infos)
    explanation = model.explain(rows)
    priority = model.priority(explanation.probabilities)
    tiers = tiers_for(priority, icp)
    dq = _disqualified_mask(rows)
    extra = ["leadq_score", "leadq_probability", "leadq_tier", "leadq_verdict", "leadq_reasons"]

    def produce() -> Iterator[list[str]]:
        yield [*table.columns, *extra]
        for index in range(len(table)):
            row = rows[index]
            contributions = explanation.contributions[index]
            order = np.argsort(-np.abs(contributions))[:top_reasons]
            reasons = "; ".join(
                ("+ " if contributions[j] > 0 else "- ")
                + generic_describer(model.features[j], row.get(model.features[j]), contributions[j])
                for j in order
                if abs(contributions[j]) > 1e-6
            )
            filled = sum(v is not None for v in row.values()) / max(len(row), 1)
            if dq is not None and dq[index]:
                verdict = "disqualified"
            elif filled < 0.5:
                verdict = "needs_info"
            else:
                verdict = "sales_ready" if tiers[index] == "L1" else "nurture"
            yield [
                *table.row(index),
                f"{priority[index]:.0f}",
                f"{explanation.probabilities[index]:.4f}",
                tiers[index],
                verdict,
                reasons,
            ]

    return table.delimiter, produce()


def score_csv(data: bytes | str, model: LeadModel, icp: Icp | None = None, top_reasons: int = 4) -> str:
    """The input CSV with leadq's columns appended: score, probability, tier, verdict, reasons."""
    delimiter, rows = scored_rows(data, model, icp, top_reasons)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()
