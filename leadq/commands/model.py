"""Offline scoring on CSV files, no CRM and no database: ``leadq evaluate``, ``leadq train`` and
``leadq score``."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from leadq.commands.progress import Step
    from scoring.icp import Icp
    from scoring.leadmodel import LearnedModel

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
        raise click.ClickException(
            f"cannot read {path}: {exc.strerror} (check the file's name and folder)"
        ) from None


class _Progress:
    """The progress display, opened at the first step: the scoring functions take their first step
    only once the file is read and accepted, so a refused file shows its one error line alone.

    While it is open a heartbeat steps it by 0 every second, so a log still gets its line every few
    seconds during a long phase with no count of its own (fitting the model)."""

    HEARTBEAT_S = 1.0

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._step: Step | None = None
        self._lock = threading.Lock()

    def __call__(self, advance: int = 1, *, total: int | None = None, label: str | None = None) -> None:
        with self._lock:
            if self._step is None:
                self._open(label or "Working", total)
                label = None
            assert self._step is not None
            self._step(advance, total=total, label=label)

    def _open(self, label: str, total: int | None) -> None:
        from leadq.commands.progress import progress

        self._step = self._stack.enter_context(progress(label, total=total))
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.HEARTBEAT_S):
                self(0)

        thread = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
        thread.start()
        self._stack.callback(thread.join)
        self._stack.callback(stop.set)


_TIME_HELP = {
    "evaluate": "a date column: train on older rows, test on the newest quarter (default: a random quarter)",
    "train": "a date column: the model trains on every row and is tuned and calibrated on the newest ones",
}


def _csv_options(command: str) -> Callable[[F], F]:
    options = [
        click.argument("data", type=click.Path(dir_okay=False)),
        click.option("--target", required=True, help="the outcome column"),
        click.option("--positive", default=None, help="the value of TARGET that means converted/won"),
        click.option("--time-column", default=None, help=_TIME_HELP[command]),
        click.option("--exclude", default="", help="comma-separated columns to leave out"),
    ]

    def decorate(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


_FAMILY = click.option(
    "--family",
    type=click.Choice(["auto", "logistic", "boosted"]),
    default="auto",
    show_default=True,
    help="the model family: auto fits each the ICP allows on the same split and uses the better",
)


def _excluded(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _write_report(report: dict[str, Any], json_out: str | None, charts: str | None) -> list[str]:
    """Write the report as JSON and its charts as SVG where asked; the lines that say where."""
    from scoring.charts import calibration_chart, lift_chart

    lines = []
    try:
        if json_out:
            Path(json_out).write_text(json.dumps(report, indent=2, default=str))
            lines.append(f"report written to {json_out}")
        if charts:
            folder = Path(charts)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "lift.svg").write_text(lift_chart(report["lift"]))
            (folder / "calibration.svg").write_text(calibration_chart(report["calibration"]))
            lines.append(f"charts written to {folder}/lift.svg and {folder}/calibration.svg")
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename}: {exc.strerror}") from None
    return lines


@contextmanager
def _working() -> Iterator[_Progress]:
    """The progress display for one command. On a terminal it shows from the start (loading the
    scoring libraries takes a few seconds); in a log, from when the file has been accepted."""
    with ExitStack() as stack:
        step = _Progress(stack)
        if sys.stderr.isatty():
            step(0, label="Loading the scoring libraries")
        yield step


@click.command("evaluate")
@_csv_options("evaluate")
@click.option("--icp", "icp_path", default=None, type=click.Path(dir_okay=False), help="ICP TOML file")
@click.option(
    "--json", "json_out", default=None, type=click.Path(dir_okay=False), help="write the report as JSON"
)
@click.option(
    "--charts", default=None, type=click.Path(file_okay=False), help="write lift and calibration SVGs here"
)
@_FAMILY
def evaluate_cmd(
    data: str,
    target: str,
    positive: str | None,
    time_column: str | None,
    exclude: str,
    icp_path: str | None,
    json_out: str | None,
    charts: str | None,
    family: str,
) -> None:
    """Train on a holdout split of a CSV of leads and report how well leadq would score them."""
    content = _read_data(data)
    with _working() as step:
        from scoring.csvflow import evaluate_csv
        from scoring.table import TableError

        icp = _read_icp(icp_path)
        try:
            report = evaluate_csv(
                content,
                target,
                positive=positive,
                time_column=time_column,
                exclude=_excluded(exclude),
                icp=icp,
                family=None if family == "auto" else family,
                progress=step,
            )
        except TableError as exc:
            raise click.ClickException(str(exc)) from None
    from scoring.evaluate import summary_text

    for note in report["notes"]:
        click.echo(f"note: {note}")
    click.echo(summary_text(report))
    for line in _write_report(report, json_out, charts):
        click.echo(line)


@click.command("train")
@_csv_options("train")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="where to write the model (JSON)")
@click.option("--icp", "icp_path", default=None, type=click.Path(dir_okay=False), help="ICP TOML file")
@_FAMILY
def train_cmd(
    data: str,
    target: str,
    positive: str | None,
    time_column: str | None,
    exclude: str,
    out: str,
    icp_path: str | None,
    family: str,
) -> None:
    """Train a model on every row of a CSV and save it as a portable JSON artifact."""
    content = _read_data(data)
    with _working() as step:
        from scoring.csvflow import train_csv
        from scoring.table import TableError

        try:
            model = train_csv(
                content,
                target,
                positive=positive,
                time_column=time_column,
                exclude=_excluded(exclude),
                icp=_read_icp(icp_path),
                family=None if family == "auto" else family,
                progress=step,
            )
        except TableError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        Path(out).write_bytes(model.to_bytes())
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(
        f"model {model.version} trained on {model.metadata['n_train']:,} rows "
        f"({len(model.features)} features) written to {out}"
    )
    click.echo(f"family: {model.metadata.get('family_choice') or model.metadata.get('family')}")
    from scoring.calibration import calibration_lines, calibration_warnings

    fitted = model.metadata.get("calibration") or {}
    where = "on the rows it was trained on (optimistic: 'leadq evaluate' checks held-out rows)"
    for line in calibration_lines(fitted, where) + [f"WARNING: {w}" for w in calibration_warnings(fitted)]:
        click.echo(line)


def _score(data: str, model_path: str, out: str, icp_path: str | None) -> int:
    """Score the CSV into ``out``, row by row (not one big string); how many rows."""
    import csv

    content, model_bytes = _read_data(data), _read_data(model_path)
    with _working() as step:
        from scoring.csvflow import scored_rows
        from scoring.families import family_of
        from scoring.table import TableError

        model, icp = _read_model(model_path, model_bytes), _read_icp(icp_path)
        if model.kind != "table":  # a CRM installation's model, not a CSV's
            raise click.ClickException(
                f"{model_path} is a {family_of(model)} model of leadq's CRM features, trained on a CRM's "
                "outcomes: 'leadq score' scores a CSV with a model written by 'leadq train'"
            )
        try:
            delimiter, rows = scored_rows(content, model, icp, progress=step)
        except TableError as exc:
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


def _read_model(path: str, content: bytes) -> LearnedModel:
    """The model artifact written by ``leadq train``, or one sentence on why it cannot be used."""
    from scoring.families import load_model

    try:
        return load_model(content)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
            problem = "it is not JSON"
        elif isinstance(exc, ValueError):
            problem = str(exc)
        else:
            problem = "its contents are not a leadq model"
        raise click.ClickException(
            f"{path} is not a model written by 'leadq train' ({problem}): train one with "
            "'leadq train DATA --target COLUMN --out model.json'"
        ) from None


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
