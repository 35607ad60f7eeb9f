"""Held-out AUC of each model family on the shared real lead data, with ``leadq evaluate``'s split.

    .venv/bin/python bench/family_auc_bench.py [--data ../shared/data] [--json FILE]

The same columns (the data README's exclusions), features and split as ``leadq evaluate``
(scoring/csvflow.py, scoring/holdout.py): X Education (and its strict variant) on the stratified
random quarter, Olist's MQLs on the time-ordered newest quarter by ``first_contact_date``. No
per-dataset tuning: each family is fitted by ``scoring.families.fit_model`` as the product fits it.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import emit
from scoring.csvflow import _prepare
from scoring.evaluate import headline
from scoring.families import FAMILIES, fit_model
from scoring.holdout import split

XED_OUT = [
    "Prospect ID",
    "Lead Number",
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
]


def evaluate(path: Path, target: str, exclude: list[str], time_column: str | None = None) -> dict[str, Any]:
    _table, _infos, rows, kinds, y, times, _notes = _prepare(
        path.read_bytes(), target, None, time_column, exclude, holdout=True
    )
    train, test, _words = split(y, times)
    train_rows, test_rows = rows.take(train), rows.take(test)
    out: dict[str, Any] = {"n_train": len(train), "n_test": len(test), "features": len(kinds)}
    for family in FAMILIES:
        started = time.perf_counter()
        model = fit_model(
            family, train_rows, y[train], kinds, version="auc", kind="table", time_ordered=times is not None
        )
        seconds = time.perf_counter() - started
        auc = headline(y[test], model.probabilities(test_rows))["auc"]
        out[family] = {"auc": auc, "train_seconds": round(seconds, 1)}
    out["better"] = max(FAMILIES, key=lambda f: out[f]["auc"])
    return out


def olist_csv(folder: Path, into: Path) -> Path:
    """MQLs labelled by presence in the closed-deals file (the data README's definition)."""
    with open(folder / "olist_closed_deals_dataset.csv", encoding="utf-8") as deals:
        won = {r["mql_id"] for r in csv.DictReader(deals)}
    path = into / "mql.csv"
    with open(folder / "olist_marketing_qualified_leads_dataset.csv", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow([*fields, "won"])
            for row in reader:
                writer.writerow([row[f] for f in fields] + [int(row["mql_id"] in won)])
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    xed = args.data / "x-education-leads" / "Leads.csv"
    if not xed.exists():
        print(f"shared lead data not found at {args.data}: nothing measured")
        return
    figures = {
        "x_education": evaluate(xed, "Converted", XED_OUT),
        "x_education_strict": evaluate(
            xed, "Converted", [*XED_OUT, "Last Activity", "Last Notable Activity"]
        ),
    }
    with tempfile.TemporaryDirectory() as folder:
        mql = olist_csv(args.data / "olist-marketing-funnel", Path(folder))
        figures["olist_time_split"] = evaluate(mql, "won", ["mql_id"], time_column="first_contact_date")
    for name, result in figures.items():
        print(name, {f: result[f] for f in FAMILIES}, "better:", result["better"])
    emit(args.json, {"family_auc": figures})


if __name__ == "__main__":
    main()
