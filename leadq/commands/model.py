"""Offline scoring on CSV files, no CRM and no database: ``leadq evaluate``, ``leadq train`` and
``leadq score``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from scoring.icp import Icp

F = TypeVar("F", bound=Callable[..., Any])


def _read_icp(path: str | None) -> Icp:
    from scoring.icp import IcpError, load_icp

    try:
        return load_icp(open(path, encoding="utf-8").read() if path else None)
    except (OSError, IcpError) as exc:
        raise click.ClickException(f"ICP {path}: {exc}") from None


def _read_data(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None


_CSV_OPTIONS = [
    click.argument("data", type=click.Path(dir_okay=False)),
    click.option("--target", required=True, help="the outcome column"),
    click.option("--positive", default=None, help="the value of TARGET that means converted/won"),
    click.option("--time-column", default=None, help="train on older rows, test on newer ones"),
    click.option("--exclude", default="", help="comma-separated columns to leave out"),
]


def _csv_options(func: F) -> F:
    for option in reversed(_CSV_OPTIONS):
        func = option(func)
    return func


def _excluded(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _write_report(report: dict[str, Any], json_out: str | None, charts: str | None) -> list[str]:
    """Write the report as JSON and its charts as SVG where asked; the lines that say where."""
    from scoring.charts import calibration_chart, lift_chart

    lines = []
    if json_out:
        Path(json_out).write_text(json.dumps(report, indent=2, default=str))
        lines.append(f"report written to {json_out}")
    if charts:
        folder = Path(charts)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "lift.svg").write_text(lift_chart(report["lift"]))
        (folder / "calibration.svg").write_text(calibration_chart(report["calibration"]))
        lines.append(f"charts written to {folder}/lift.svg and {folder}/calibration.svg")
    return lines


@click.command("evaluate")
@_csv_options
@click.option("--icp", "icp_path", default=None, type=click.Path(dir_okay=False), help="ICP TOML file")
@click.option(
    "--json", "json_out", default=None, type=click.Path(dir_okay=False), help="write the report as JSON"
)
@click.option(
    "--charts", default=None, type=click.Path(file_okay=False), help="write lift and calibration SVGs here"
)
def evaluate_cmd(
    data: str,
    target: str,
    positive: str | None,
    time_column: str | None,
    exclude: str,
    icp_path: str | None,
    json_out: str | None,
    charts: str | None,
) -> None:
    """Train on a holdout split of a CSV of leads and report how well leadq would score them."""
    from scoring.csvflow import evaluate_csv
    from scoring.evaluate import summary_text
    from scoring.table import TableError

    try:
        report = evaluate_csv(
            _read_data(data),
            target,
            positive=positive,
            time_column=time_column,
            exclude=_excluded(exclude),
            icp=_read_icp(icp_path),
        )
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    for note in report["notes"]:
        click.echo(f"note: {note}")
    click.echo(summary_text(report))
    for line in _write_report(report, json_out, charts):
        click.echo(line)


@click.command("train")
@_csv_options
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="where to write the model (JSON)")
def train_cmd(
    data: str, target: str, positive: str | None, time_column: str | None, exclude: str, out: str
) -> None:
    """Train a model on every row of a CSV and save it as a portable JSON artifact."""
    from scoring.csvflow import train_csv
    from scoring.table import TableError

    try:
        model = train_csv(
            _read_data(data), target, positive=positive, time_column=time_column, exclude=_excluded(exclude)
        )
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    Path(out).write_bytes(model.to_bytes())
    click.echo(
        f"model {model.version} trained on {model.metadata['n_train']:,} rows "
        f"({len(model.features)} features) written to {out}"
    )


def _score(data: str, model_path: str, out: str, icp_path: str | None) -> int:
    """Score the CSV into ``out``, row by row (not one big string); how many rows."""
    import csv

    from scoring.csvflow import scored_rows
    from scoring.leadmodel import LeadModel
    from scoring.table import TableError

    try:
        model = LeadModel.from_bytes(_read_data(model_path))
        delimiter, rows = scored_rows(_read_data(data), model, _read_icp(icp_path))
    except (TableError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow(next(rows))
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    return count


@click.command("score")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--icp", "icp_path", default=None, type=click.Path(dir_okay=False))
def score_cmd(data: str, model_path: str, out: str, icp_path: str | None) -> None:
    """Score a CSV of leads with a trained model: adds score, probability, tier, verdict, reasons."""
    count = _score(data, model_path, out, icp_path)
    click.echo(f"scored {count:,} rows into {out}")


COMMANDS = (evaluate_cmd, train_cmd, score_cmd)
