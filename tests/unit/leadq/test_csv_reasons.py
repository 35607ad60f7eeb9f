"""The reasons `leadq score` writes, as a rep reads them: the file's own spelling of each value, and
no zero or blank given as a point in the lead's favour, although the model does credit it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from leadq.cli import main
from scoring.columns import ColumnInfo, feature_rows
from scoring.families import load_model
from scoring.leadmodel import LearnedModel
from scoring.table import read_csv
from scoring.table_reasons import term_parts
from tests.unit.leadq.test_csv_commands import as_csv, leads


def train_and_score(tmp_path: Path, data: Path) -> tuple[LearnedModel, list[dict[str, str]]]:
    model_path, out = tmp_path / "model.json", tmp_path / "scored.csv"
    runner = CliRunner()
    trained = runner.invoke(main, ["train", str(data), "--target", "Converted", "--out", str(model_path)])
    assert trained.exit_code == 0, trained.output
    scored = runner.invoke(main, ["score", str(data), "--model", str(model_path), "--out", str(out)])
    assert scored.exit_code == 0 and "Traceback" not in scored.output, scored.output
    with out.open(encoding="utf-8", newline="") as handle:
        return load_model(model_path.read_bytes()), list(csv.DictReader(handle))


def contributions_of(model: LearnedModel, data: Path, feature: str) -> tuple[list[str], np.ndarray]:
    """Each row's raw value of ``feature``'s column and the model's contribution for it: its own term
    plus, in a boosted model, every pair term it is part of."""
    table = read_csv(data.read_bytes())
    rows, _ = feature_rows(table, [ColumnInfo(**c) for c in model.metadata["columns"]])
    explanation = model.explain(rows)
    terms = [j for j, parts in enumerate(term_parts(model)) if feature in parts]
    return table.column(feature), explanation.contributions[:, terms].sum(axis=1)


def reasons(row: dict[str, str]) -> list[str]:
    return [r for r in row["leadq_reasons"].split("; ") if r]


def test_zero_visits_are_credited_by_the_model_but_never_shown_as_a_point_in_favour(tmp_path):
    data = tmp_path / "leads.csv"
    data.write_text(as_csv(leads(800)))
    model, scored = train_and_score(tmp_path, data)
    visits, credit = contributions_of(model, data, "TotalVisits")
    credited = [i for i, (v, c) in enumerate(zip(visits, credit, strict=True)) if v == "0" and c > 0.05]
    assert len(credited) > 50  # the model does give "0 visits" a positive contribution (form leads)
    for i in credited:
        assert not any(r.startswith("+ TotalVisits") for r in reasons(scored[i])), scored[i]
        assert any(r.startswith("+ ") for r in reasons(scored[i]))  # its real reasons are still there
    everything = [r for row in scored for r in reasons(row)]
    assert not [r for r in everything if r.startswith("+ ") and re.search(r": 0(\.0+)?$|not given$", r)]
    assert "- TotalVisits: 1" in everything or "- TotalVisits: 2" in everything  # said when it hurts


def test_values_keep_the_casing_of_the_file(tmp_path):
    data = tmp_path / "leads.csv"
    data.write_text(as_csv(leads(800)))
    _, scored = train_and_score(tmp_path, data)
    everything = {r for row in scored for r in reasons(row)}
    origins = {r[2:] for r in everything if r[2:].startswith("Lead Origin: ")}
    assert origins and origins <= {
        "Lead Origin: API",
        "Lead Origin: Landing Page Submission",
        "Lead Origin: Lead Add Form",
    }, origins
    assert not [r for r in everything if re.search(r": (api|lead add form|landing page submission)\b", r)]
    # numbers as people write them, decimals without trailing zeros
    assert all(
        re.fullmatch(r"[+-] Time on site: [\d,]+(\.\d{1,2})?", r) for r in everything if "Time on" in r
    )
