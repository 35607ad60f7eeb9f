"""The CSV workflow on exports as real tools write them."""

from __future__ import annotations

import csv
import io
import random

import pytest

from scoring.columns import infer_columns
from scoring.csvflow import evaluate_csv, score_csv, train_csv
from scoring.leadmodel import LeadModel
from scoring.table import TableError, read_csv

TITLES = [
    "VP Sales",
    "Head of RevOps",
    "Marketing Manager",
    "student",
    "Software Engineer",
    "CEO",
    "Select",
    "",
]


def messy_export(n: int = 600, delimiter: str = ";", seed: int = 3) -> bytes:
    """A CRM export: BOM, semicolons, quoted fields with separators, Select/N/A, decimal commas, dates."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(
        [
            "Record ID",
            "Created",
            "Job Title",
            "Email",
            "Lead Source",
            "Visits",
            "Time on site",
            "Notes",
            "Country",
            "Won",
        ]
    )
    for i in range(n):
        title = rng.choice(TITLES)
        source = rng.choice(["Google", "Referral", "Webinar", "N/A", "Select"])
        visits = rng.randint(0, 12)
        email = rng.choice([f"p{i}@acme{i % 40}.com", f"p{i}@gmail.com", f"p{i}@mit.edu", ""])
        signal = (
            (title in ("VP Sales", "Head of RevOps", "CEO")) * 1.5 + 0.25 * visits + (source == "Referral")
        )
        won = "Yes" if rng.random() < 1 / (1 + 2.718 ** -(signal - 2.5)) else "No"
        writer.writerow(
            [
                f"{100000 + i}",
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2025",
                title,
                email,
                source,
                str(visits),
                f"{rng.uniform(0, 900):.1f}".replace(".", ","),
                f'Called #{i}; left a message, said: "{rng.choice(["busy", "interested"])}" and more',
                rng.choice(["India", "United States", "N/A"]),
                won,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_columns_are_inferred_from_a_messy_export():
    table = read_csv(messy_export())
    assert table.delimiter == ";" and table.columns[0] == "Record ID"
    kinds = {c.name: c.kind for c in infer_columns(table, skip=["Won"])}
    assert kinds == {
        "Record ID": "dropped",
        "Created": "date",
        "Job Title": "title",
        "Email": "email",
        "Lead Source": "categorical",
        "Visits": "numeric",
        "Time on site": "numeric",
        "Notes": "text",
        "Country": "categorical",
    }


def test_evaluate_learns_from_the_export_and_reports_every_section():
    report = evaluate_csv(messy_export(), "Won")
    assert report["auc"] > 0.65 and report["n_train"] + report["n_test"] == 600
    assert set(report) >= {
        "auc",
        "average_precision",
        "brier",
        "n_train",
        "n_test",
        "tiers",
        "calibration",
        "lift",
        "missed",
        "top_factors",
        "warnings",
    }
    assert "disqualified leads" in report["missed"]
    assert any("identifier" in note for note in report["notes"])


def test_a_time_column_orders_the_split():
    report = evaluate_csv(messy_export(delimiter=","), "Won", time_column="Created")
    assert report["split"].startswith("(time-ordered")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "Converted"}, "target column 'Converted' is not in the file"),
        ({"target": "won"}, "did you mean 'Won'"),
        ({"target": "Won", "positive": "Maybe"}, "never occurs"),
        ({"target": "Lead Source"}, "say which one is the positive outcome"),
        ({"target": "Won", "time_column": "When"}, "time column 'When' is not in the file"),
    ],
)
def test_bad_requests_fail_with_a_clear_message(kwargs, message):
    with pytest.raises(TableError, match=message):
        evaluate_csv(messy_export(), **kwargs)


def test_a_target_with_one_class_is_refused():
    data = b"a,b,won\n1,x,no\n2,y,no\n3,z,no\n"
    with pytest.raises(TableError, match="single class"):
        evaluate_csv(data, "won")


def test_train_then_score_adds_leadq_columns_with_reasons(tmp_path):
    model = LeadModel.from_bytes(train_csv(messy_export(), "Won").to_bytes())
    scored = list(csv.DictReader(io.StringIO(score_csv(messy_export(n=40, seed=9), model)), delimiter=";"))
    assert len(scored) == 40
    row = scored[0]
    assert {"leadq_score", "leadq_probability", "leadq_tier", "leadq_verdict", "leadq_reasons"} <= set(row)
    assert row["leadq_tier"] in ("L1", "L2", "L3", "L4") and 0 <= float(row["leadq_probability"]) <= 1
    assert any(r["leadq_verdict"] == "disqualified" for r in scored)  # students and .edu addresses
    assert any(r["leadq_reasons"].startswith(("+", "-")) for r in scored)


def test_scoring_a_file_without_the_models_columns_fails_clearly():
    model = train_csv(messy_export(), "Won")
    with pytest.raises(TableError, match="needs columns"):
        score_csv(b"x,y\n1,2\n", model)
