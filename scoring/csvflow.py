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
from typing import Any, Protocol

import numpy as np

from scoring.calibration import calibration_checks
from scoring.columns import ColumnInfo, FeatureRows, feature_rows, infer_columns, parse_date
from scoring.evaluate import (
    calibration_error,
    calibration_table,
    headline,
    leak_warnings,
    lift_by_decile,
    missed_conversions,
    single_feature_auc,
    tier_table,
)
from scoring.families import fit_model
from scoring.family_gate import (
    Candidates,
    FamilyChoice,
    choice_words,
    choose_family,
    compare_families,
    families_section,
)
from scoring.holdout import check_size, check_time_split, reliability_warning, split
from scoring.icp import Icp, load_icp
from scoring.leadmodel import LearnedModel
from scoring.table import Table, TableError, labels_for, read_csv
from scoring.table_reasons import feature_sources, known_categories, row_reasons, term_parts


class Progress(Protocol):
    """A progress display (the CLI passes one): ``step(n)`` advances, ``total``/``label`` update it."""

    def __call__(self, advance: int = 1, *, total: int | None = None, label: str | None = None) -> None: ...


def _silent(advance: int = 1, *, total: int | None = None, label: str | None = None) -> None:
    """No progress display."""


def tiers_for(priority: np.ndarray, icp: Icp) -> list[str]:
    l1, l2, l3 = icp.tier_thresholds
    return ["L1" if p >= l1 else "L2" if p >= l2 else "L3" if p >= l3 else "L4" for p in priority]


def _prepare(
    data: bytes | str,
    target: str,
    positive: str | None,
    time_column: str | None,
    exclude: Sequence[str],
    step: Progress = _silent,
    holdout: bool = False,
) -> tuple[Table, list[ColumnInfo], FeatureRows, dict[str, str], np.ndarray, list[float] | None, list[str]]:
    """The labelled rows' features; every problem with the file or the request is a ``TableError``
    raised before ``step`` is first called (so a refused file shows no progress display)."""
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
        raise TableError(
            f"target column {target!r} has a single class among usable rows: "
            "leadq needs leads that converted and leads that did not"
        )
    check_size(y, target)
    if holdout and times is not None:
        check_time_split(y)
    step(0, label="Reading the columns")
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
    step(1, label="Building the features")
    rows, kinds = feature_rows(table, infos)
    step(1)
    if not kinds:
        raise TableError(
            "no usable columns are left to learn from (every other column is empty, constant or an "
            "identifier): check the file and --exclude"
        )
    return table, infos, rows, kinds, y, times, notes


def _candidates(icp: Icp, family: str | None, outcomes: int) -> Candidates:
    """The families to compare: ``family`` alone when named, else the ICP's (boosted only with enough
    training outcomes)."""
    if family:
        return Candidates([family], outcomes, 0)
    return Candidates(list(icp.families), outcomes, icp.boosted_min_outcomes)


def _compare(
    candidates: Candidates,
    halves: tuple[FeatureRows, FeatureRows],
    y: np.ndarray,
    split_at: tuple[np.ndarray, np.ndarray],
    kinds: dict[str, str],
    times: list[float] | None,
    progress: Progress,
) -> tuple[FamilyChoice, FamilyChoice, dict[str, LearnedModel]]:
    """``compare_families`` on ``leadq evaluate``'s split: ``halves`` the train and test rows,
    ``split_at`` their indices into ``y``."""
    (train_rows, test_rows), (train, test) = halves, split_at
    return compare_families(
        candidates,
        train_rows,
        y[train],
        test_rows,
        y[test],
        kinds,
        version="evaluation",
        kind="table",
        time_ordered=times is not None,
        progress=progress,
    )


def evaluate_csv(
    data: bytes | str,
    target: str,
    *,
    positive: str | None = None,
    time_column: str | None = None,
    exclude: Sequence[str] = (),
    icp: Icp | None = None,
    check_leaks: bool = True,
    family: str | None = None,
    progress: Progress = _silent,
) -> dict[str, Any]:
    """Train on a holdout split with the product's pipeline and report on the held-out rows. Each
    model family (``family``: only that one) is fitted on the same split; the report is the better
    one's, with every family's AUC and which was used.

    ``progress`` is told of each phase (and of each column checked for leaks) once the file has
    been read and accepted."""
    icp = icp or load_icp()
    table, infos, rows, kinds, y, times, notes = _prepare(
        data, target, positive, time_column, exclude, progress, holdout=True
    )
    del table  # the raw cells are not needed any more: only the features
    count = len([family] if family else icp.families)
    progress(0, total=3 + count + (len(kinds) if check_leaks else 0), label="Training the model")
    train, test, split_words = split(y, times)
    train_rows, test_rows = rows.take(train), rows.take(test)
    better, gate, fitted = _compare(
        _candidates(icp, family, len(train)),
        (train_rows, test_rows),
        y,
        (train, test),
        kinds,
        times,
        progress,
    )
    del rows
    model = fitted[better.family]
    progress(1 + count - len(fitted), label="Scoring the test rows")
    explanation = model.explain(test_rows)
    p = explanation.probabilities
    tiers = tiers_for(model.priority(p), icp)
    reliability = reliability_warning(y[test])
    report: dict[str, Any] = {
        **headline(y[test], p),
        "n_train": len(train),
        "n_test": len(test),
        "split": split_words,
        "model_version": model.version,
        "family": better.family,
        "families": families_section(better),
        "family_choice": choice_words(better, gate),
        "chosen_C": getattr(getattr(model, "model", None), "C_", None),
        "tiers": tier_table(y[test], tiers),
        "calibration": calibration_table(y[test], p),
        "ece": calibration_error(y[test], p),
        **calibration_checks(y[test], p, tiers, test_rows, kinds),
        "lift": lift_by_decile(y[test], p),
        "missed": {"L4 leads": missed_conversions(y[test], np.array(tiers) == "L4")},
        "top_factors": model.global_factors(explanation),
        "columns": [asdict(i) for i in infos],
        "notes": notes,
        "reliability": reliability,
        "warnings": [reliability] if reliability else [],
    }
    dq = _disqualified_mask(test_rows)
    if dq is not None:
        report["missed"]["disqualified leads"] = missed_conversions(y[test], dq)
    if check_leaks:
        progress(1, label="Checking each column for leaks")
        singles = single_feature_auc(train_rows, kinds, y[train], progress=lambda: progress(1))
        report["single_column_auc"] = singles
        report["warnings"].extend(leak_warnings(singles))
    else:
        progress(1)
    if report["auc"] >= 0.97 and not reliability:
        report["warnings"].append(_too_good(report))
    return report


def _too_good(report: Mapping[str, Any]) -> str:
    suspects = sorted(report.get("single_column_auc", {}).items(), key=lambda kv: -max(kv[1], 1 - kv[1]))[:3]
    named = ", ".join(f"{name!r} (alone: AUC {auc:.2f})" for name, auc in suspects)
    return (
        f"held-out AUC {report['auc']:.3f} is too good to be true for lead data: "
        f"check the columns for ones filled in after the outcome{': ' + named if named else ''}"
    )


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
    icp: Icp | None = None,
    family: str | None = None,
    progress: Progress = _silent,
) -> LearnedModel:
    """Train on every usable row (for ``leadq train``); the artifact remembers the columns. With more
    than one family to try (``family`` None and the ICP's ``[model] families``), each is fitted on
    ``leadq evaluate``'s split first and the better one is the one refitted on every row."""
    icp = icp or load_icp()
    table, infos, rows, kinds, y, times, notes = _prepare(
        data, target, positive, time_column, exclude, progress
    )
    del table
    candidates = _candidates(icp, family, len(y))
    tried = candidates.tried
    progress(0, total=2 + len(tried) + (len(tried) > 1), label="Training the model")
    chosen, said, families = (
        tried[0],
        choose_family({tried[0]: 0.0}, skipped=candidates.skipped).reason,
        candidates.section(),
    )
    if len(tried) > 1:
        train, test, _words = split(y, times)
        halves = (rows.take(train), rows.take(test))
        better, gate, _fitted = _compare(candidates, halves, y, (train, test), kinds, times, progress)
        chosen, said, families = better.family, choice_words(better, gate), families_section(better)
        progress(1, label=f"Training the {chosen} model on every row")
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    model = fit_model(
        chosen,
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
            "family": chosen,
            "families": families,
            "family_choice": said,
        },
    )
    p = model.probabilities(rows)
    model.metadata["calibration"] = {
        "on": "training rows",
        "calibration": calibration_table(y, p),
        "ece": calibration_error(y, p),
        **calibration_checks(y, p, tiers_for(model.priority(p), icp), rows, kinds),
    }
    progress(1)
    return model


def scored_rows(
    data: bytes | str,
    model: LearnedModel,
    icp: Icp | None = None,
    top_reasons: int = 4,
    progress: Progress = _silent,
) -> tuple[str, Iterator[list[str]]]:
    """The CSV's separator and its rows (header first) with leadq's columns appended: score,
    probability, tier, verdict, reasons. Rows are produced one at a time, for writing as they come;
    ``progress`` counts them, once the file has been read and accepted."""
    icp = icp or load_icp()
    table = read_csv(data)
    infos = [ColumnInfo(**c) for c in model.metadata.get("columns", [])]
    missing = [i.name for i in infos if i.kind != "dropped" and i.name not in table.columns]
    if missing:
        raise TableError(
            f"the model needs columns that are not in the file: {', '.join(missing)}; score a file "
            "exported the same way as the one the model was trained on"
        )
    progress(0, total=len(table), label="Scoring leads")
    rows, _kinds = feature_rows(table, infos)
    explanation = model.explain(rows)
    priority = model.priority(explanation.probabilities)
    tiers = tiers_for(priority, icp)
    dq = _disqualified_mask(rows)
    sources = feature_sources(infos)
    parts, known = term_parts(model), known_categories(model)
    extra = ["leadq_score", "leadq_probability", "leadq_tier", "leadq_verdict", "leadq_reasons"]

    def produce() -> Iterator[list[str]]:
        yield [*table.columns, *extra]
        for index in range(len(table)):
            row = rows[index]
            reasons = row_reasons(
                parts, table, sources, known, row, index, explanation.contributions[index], top_reasons
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
            progress(1)

    return table.delimiter, produce()


def score_csv(data: bytes | str, model: LearnedModel, icp: Icp | None = None, top_reasons: int = 4) -> str:
    """The input CSV with leadq's columns appended: score, probability, tier, verdict, reasons."""
    delimiter, rows = scored_rows(data, model, icp, top_reasons)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()
