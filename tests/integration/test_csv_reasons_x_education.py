"""`leadq train` then `leadq score` on X Education's real export (../shared/data): the reasons a rep
reads keep the file's spelling and never give a zero count as a point in the lead's favour."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadq.cli import main
from tests.unit.leadq.test_csv_reasons import contributions_of, reasons

DATA = Path(os.environ.get("LEADQ_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
XED = DATA / "x-education-leads" / "Leads.csv"

pytestmark = pytest.mark.skipif(not XED.exists(), reason=f"shared lead data not found at {DATA}")


def test_x_education_reasons_read_as_a_rep_would_read_them(tmp_path):
    model_path, out = tmp_path / "model.json", tmp_path / "scored.csv"
    runner = CliRunner()
    trained = runner.invoke(main, ["train", str(XED), "--target", "Converted", "--out", str(model_path)])
    assert trained.exit_code == 0, trained.output
    scored = runner.invoke(main, ["score", str(XED), "--model", str(model_path), "--out", str(out)])
    assert scored.exit_code == 0 and "scored 9,240 rows" in scored.output, scored.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    from scoring.families import load_model

    model = load_model(model_path.read_bytes())
    # The review's "+ TotalVisits: 0": a model credits a count of zero (which count depends on the
    # family the gate chose: the logistic model credits zero visits, the boosted one zero page views
    # per visit), and no such credit may be shown as a point in the lead's favour.
    credited_columns = 0
    for column in ("TotalVisits", "Page Views Per Visit", "Total Time Spent on Website"):
        values, credit = contributions_of(model, XED, column)
        credited = [i for i, (v, c) in enumerate(zip(values, credit, strict=True)) if v == "0" and c > 0.01]
        credited_columns += bool(credited)
        assert not any(r.startswith(f"+ {column}") for i in credited for r in reasons(rows[i])), column
    assert credited_columns, "the model credits no zero count: the check below would prove nothing"

    everything = {r for row in rows for r in reasons(row)}
    zero_or_blank_in_favour = [
        r for r in everything if r.startswith("+ ") and re.search(r": 0(\.0+)?$|not given$|left blank$", r)
    ]
    assert not zero_or_blank_in_favour, zero_or_blank_in_favour
    # the file's own spelling: "Lead Origin: API", not "api"
    assert "Lead Origin: Lead Add Form" in {r[2:] for r in everything}
    assert not [
        r for r in everything if re.search(r"Lead Origin: (api|lead add form|landing page submission)$", r)
    ]
    assert not [r for r in everything if re.search(r"Last Activity: [a-z]", r)]
