"""`leadq evaluate`, `leadq train` and `leadq score` as a user runs them, on good and bad files.

Every bad file gets one sentence naming the problem and the fix (never a traceback, never a
progress display before it); UTF-16 and semicolon exports with decimal commas just work; a long
command shows its progress; a rep reads the reasons in the file's own words.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadq.cli import main

HEADER = ["Lead Id", "Lead Origin", "Lead Source", "TotalVisits", "Time on site", "Country", "Converted"]


def leads(n: int, seed: int = 7) -> list[list[str]]:
    """Rows like X Education's: leads from the 'Lead Add Form' never visit the website and convert
    most often, so the model credits "0 visits" for what the form says."""
    rng = random.Random(seed)
    rows = [HEADER]
    for i in range(n):
        origin = rng.choice(["API", "Landing Page Submission", "Landing Page Submission", "Lead Add Form"])
        form = origin == "Lead Add Form"
        visits = 0 if form else rng.randint(1, 12)
        minutes = 0.0 if form else rng.uniform(1, 900)
        chance = 0.85 if form else 0.1 + 0.04 * visits
        rows.append(
            [
                str(660_000 + i),
                origin,
                rng.choice(["Google", "Direct Traffic", "Olark Chat", "Reference"]),
                str(visits),
                f"{minutes:.1f}",
                rng.choice(["India", "United States", ""]),
                "1" if rng.random() < chance else "0",
            ]
        )
    return rows


def as_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def semicolon_export(rows: list[list[str]]) -> bytes:
    """As a European Excel saves it: BOM, semicolons, decimal commas."""
    changed = [rows[0]] + [
        [c.replace(".", ",") if re.fullmatch(r"\d+\.\d+", c) else c for c in r] for r in rows[1:]
    ]
    return ("\ufeff" + as_csv(changed, ";")).encode("utf-8")


def _zip(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("leads.csv", text)
    return out.getvalue()


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(
        300
    )


TWO_ROWS = [HEADER, leads(1)[1][:-1] + ["1"], leads(1, seed=8)[1][:-1] + ["0"]]

# name: (content, None = no file at all)
BAD_FILES: dict[str, bytes | None] = {
    "missing": None,
    "empty": b"",
    "png": _png(),
    "zip": _zip(as_csv(leads(50))),
    "json": json.dumps([{"Lead Id": 1, "Converted": 1}, {"Lead Id": 2, "Converted": 0}]).encode(),
    "header-only": as_csv([HEADER]).encode(),
    "html": b"<!DOCTYPE html>\n<html><body><table><tr><td>Lead Id</td><td>Converted</td></tr></table>\n",
    "two-row": as_csv(TWO_ROWS).encode(),
    "twenty-row": as_csv(leads(20)).encode(),
}
# what the one error line says: the problem, then the fix
SAYS = {
    "missing": ("No such file or directory", "check the file's name and folder"),
    "empty": ("the file is empty", "export the leads from your CRM or spreadsheet as CSV"),
    "png": ("the file is a PNG image", "export the leads from your CRM or spreadsheet as CSV"),
    "zip": ("ZIP archive or an Excel workbook", 'unzip it, or save it from your spreadsheet as "CSV UTF-8"'),
    "json": ("the file is JSON, not CSV", "export the leads from your CRM or spreadsheet as CSV"),
    "header-only": ("a header line but no rows of leads", "export it again with the leads included"),
    "html": ("the file is a web page (HTML)", "export the leads from your CRM or spreadsheet as CSV"),
    "two-row": ("only 2 leads with a value in 'Converted' (1 converted, 1 did not)", "export more leads"),
    "twenty-row": ("only 20 leads with a value in 'Converted'", "at least 30 leads"),
}
TOO_SMALL_TO_LEARN = {"two-row", "twenty-row"}  # refused by evaluate and train; score scores them


def run(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output, result.output
    return result


def refusal(result: Result) -> str:
    """The one line a refused command prints (no progress display before it)."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def _place(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.csv"
    content = BAD_FILES[name]
    if content is not None:
        path.write_bytes(content)
    return str(path)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    data, model = folder / "leads.csv", folder / "model.json"
    data.write_text(as_csv(leads(400)))
    trained = run(["train", str(data), "--target", "Converted", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    return model


@pytest.mark.parametrize("name", list(BAD_FILES))
@pytest.mark.parametrize("command", ["evaluate", "train"])
def test_a_bad_file_gets_one_sentence_with_the_problem_and_the_fix(tmp_path, command, name):
    extra = ["--out", str(tmp_path / "model.json")] if command == "train" else []
    line = refusal(run([command, _place(tmp_path, name), "--target", "Converted", *extra]))
    problem, fix = SAYS[name]
    assert problem in line and fix in line, line
    assert not (tmp_path / "model.json").exists()


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_score_tells_the_same_bad_files_apart(tmp_path, model_file, name):
    out = tmp_path / "scored.csv"
    result = run(["score", _place(tmp_path, name), "--model", str(model_file), "--out", str(out)])
    if name in TOO_SMALL_TO_LEARN:  # a trained model scores any number of leads
        assert result.exit_code == 0, result.output
        scored = list(csv.DictReader(out.open(encoding="utf-8")))
        assert len(scored) == (2 if name == "two-row" else 20)
        assert all(r["leadq_tier"] in ("L1", "L2", "L3", "L4") for r in scored)
        return
    problem, fix = SAYS[name]
    line = refusal(result)
    assert problem in line and fix in line, line


def test_score_refuses_a_file_that_is_not_a_model(tmp_path):
    data, fake = tmp_path / "leads.csv", tmp_path / "model.json"
    data.write_text(as_csv(leads(30)))
    fake.write_bytes(_png())
    line = refusal(run(["score", str(data), "--model", str(fake), "--out", str(tmp_path / "o.csv")]))
    assert "is not a model written by 'leadq train'" in line and "leadq train DATA --target" in line


@pytest.mark.parametrize("variant", ["utf-16", "semicolon-bom-decimal-comma"])
def test_utf16_and_semicolon_exports_just_work(tmp_path, variant):
    rows = leads(400)
    data = tmp_path / "leads.csv"
    data.write_bytes(as_csv(rows).encode("utf-16") if variant == "utf-16" else semicolon_export(rows))
    report_file = tmp_path / "report.json"
    evaluated = run(["evaluate", str(data), "--target", "Converted", "--json", str(report_file)])
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(report_file.read_text())
    assert report["n_train"] + report["n_test"] == 400
    kinds = {c["name"]: c["kind"] for c in report["columns"]}
    assert kinds["Time on site"] == "numeric" and kinds["Lead Origin"] == "categorical"
    model, out = tmp_path / "model.json", tmp_path / "scored.csv"
    assert run(["train", str(data), "--target", "Converted", "--out", str(model)]).exit_code == 0
    scored = run(["score", str(data), "--model", str(model), "--out", str(out)])
    assert scored.exit_code == 0 and "scored 400 rows" in scored.output, scored.output


def test_a_positive_value_that_never_occurs_lists_the_values_seen(tmp_path):
    rows = leads(200)
    data = tmp_path / "leads.csv"
    data.write_text(as_csv(rows))
    ones = sum(r[-1] == "1" for r in rows[1:])
    line = refusal(run(["evaluate", str(data), "--target", "Converted", "--positive", "yes"]))
    assert (
        f"'yes' never occurs in 'Converted'; its values are 0 ({200 - ones:,} rows) and 1 ({ones:,} rows)"
        in line
    ), line
    assert "give one of them with --positive" in line


def test_a_wrong_target_names_the_likely_outcome_columns_not_every_column(tmp_path):
    data = tmp_path / "leads.csv"
    data.write_text(as_csv(leads(200)))
    line = refusal(run(["evaluate", str(data), "--target", "Won"]))
    assert "columns that could be the outcome: Converted" in line, line
    assert "Lead Id" not in line and "Time on site" not in line and "--target" in line
    line = refusal(run(["evaluate", str(data), "--target", "converted"]))
    assert "(did you mean 'Converted'?)" in line and "Lead Origin" not in line


def test_a_small_test_set_is_called_unreliable(tmp_path):
    data = tmp_path / "leads.csv"
    data.write_text(as_csv(leads(60)))
    result = run(["evaluate", str(data), "--target", "Converted"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    headline = next(i for i, line in enumerate(lines) if line.startswith("model evaluation: AUC"))
    assert lines[headline + 1].startswith("WARNING: only 15 test rows"), result.output
    assert "not reliable below 200 test rows" in lines[headline + 1]
    assert "too good to be true" not in result.output  # chance on 15 rows is not a leak


def test_each_long_command_shows_its_progress_as_whole_lines(tmp_path):
    data, model, out = tmp_path / "leads.csv", tmp_path / "model.json", tmp_path / "scored.csv"
    data.write_text(as_csv(leads(300)))
    evaluated = run(["evaluate", str(data), "--target", "Converted"])
    trained = run(["train", str(data), "--target", "Converted", "--out", str(model)])
    scored = run(["score", str(data), "--model", str(model), "--out", str(out)])
    for result in (evaluated, trained, scored):
        assert result.exit_code == 0 and "\r" not in result.output, result.output
    assert "Reading the columns..." in evaluated.output
    assert re.search(r"^Checking each column for leaks: (\d+)/\1 \(\d+ s\) - done$", evaluated.output, re.M)
    assert re.search(r"^Training the model: 3/3 \(\d+ s\) - done$", trained.output, re.M)
    assert re.search(r"^Scoring leads: 300/300 \(\d+ s\) - done$", scored.output, re.M)


def test_train_help_does_not_promise_a_test_split():
    train_help = " ".join(run(["train", "--help"]).output.split())
    assert "--time-column" in train_help and "test on" not in train_help
    assert "trains on every row" in train_help
    assert "test on the newest" in " ".join(run(["evaluate", "--help"]).output.split())


def test_a_time_split_whose_newest_quarter_never_converts_is_refused_before_any_work(tmp_path):
    rows = leads(200)
    dated = [[*rows[0], "Created"]] + [
        [*row[:-1], "0" if i >= 150 else row[-1], f"2025-{1 + i // 20:02d}-{1 + i % 20:02d}"]
        for i, row in enumerate(rows[1:])
    ]
    data = tmp_path / "leads.csv"
    data.write_text(as_csv(dated))
    line = refusal(run(["evaluate", str(data), "--target", "Converted", "--time-column", "Created"]))
    assert "the newest rows by the time column (50, 0 converted)" in line, line
    assert "leave out --time-column" in line


def test_the_installed_command_keeps_progress_on_stderr_and_the_report_on_stdout(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "leads.csv"
    data.write_text(as_csv(leads(300)))
    leadq = Path(sys.executable).with_name("leadq")
    done = subprocess.run(
        [str(leadq), "evaluate", str(data), "--target", "Converted"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "model evaluation: AUC" in done.stdout and "tiers (share of leads" in done.stdout
    assert "Reading the columns" not in done.stdout and "model evaluation: AUC" not in done.stderr
    assert done.stderr.splitlines()[0] == "Reading the columns..."
    assert done.stderr.splitlines()[-1].endswith(" - done")
