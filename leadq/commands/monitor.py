"""``leadq monitor INSTALLATION``: the monitoring a RevOps admin reads every Monday (score performance
by cohort month, drift, routing health, the fairness ledger), as aligned plain-text tables, or as
JSON with ``--json``. The words and numbers are the admin page's (``leadq.web.monitor_sections``).

Bad input (an installation that does not exist, an id or a week count that is not a number) stops the
command with one line and exit code 2, as a usage error."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from leadq.commands.common import INSTALLATION_ID, NO_SUCH, runtime, sessions
from storage.model_names import renamed

if TYPE_CHECKING:
    from leadq.web.monitor_words import Fact, Section, Table
    from monitoring.report import MonitorReport


class BadInput(click.ClickException):
    """A usage error said in one line (click's own also prints the usage), with click's exit code 2."""

    exit_code = 2


NOT_AN_ID = "INSTALLATION must be a number like 1 (see `leadq status`)"


class InstallationId(click.ParamType):
    """An installation id (1 to 2**31 - 1, what the database's ids hold); anything else stops the
    command with ``NOT_AN_ID`` (not click's "is not a valid integer range")."""

    name = "installation"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return int(INSTALLATION_ID.convert(value, param, ctx))
        except click.BadParameter:
            raise BadInput(NOT_AN_ID) from None


INSTALLATION = InstallationId()


def one_line(exc: click.UsageError, command: str) -> BadInput:
    """A usage error as one line: a negative number taken for an option says what INSTALLATION is."""
    if isinstance(exc, click.NoSuchOption) and exc.option_name.lstrip("-").replace(".", "", 1).isdigit():
        return BadInput(NOT_AN_ID)
    if isinstance(exc, click.BadParameter) and exc.param is not None and exc.param.name == "weeks":
        return BadInput("--weeks must be a number of weeks from 1 to 520")
    return BadInput(f"{exc.format_message()} (see `leadq {command} --help`)")


class OneLineErrors(click.Command):
    """A command whose bad arguments are one line ("Error: ...") and exit code 2."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            where = f"{parent.info_name} {info_name}" if parent and parent.parent else info_name
            raise one_line(exc, where or "monitor") from None


def build_report(installation: int) -> tuple[MonitorReport, str]:
    """The installation's report, now, and its name ("HubSpot 20007000")."""
    from leadq.web.monitor_sections import report_builder
    from storage import installations

    with sessions()() as db:
        inst = installations.get(db, installation)
        if inst is None:
            raise BadInput(NO_SUCH.format(installation))
        name = f"{inst.crm_kind} {inst.tenant_id}"
    return report_builder()(runtime(), installation, datetime.now(UTC)), name


def table_lines(t: Table, indent: str = "  ") -> list[str]:
    """A table as aligned columns (numbers right-aligned), its title and meaning above it."""
    lines = [f"{indent}{t.title}", f"{indent}  {t.meaning}"]
    if not t.rows:
        return [*lines, f"{indent}  {t.empty}"]
    widths = [max(len(str(row[i])) for row in (t.headers, *t.rows)) for i in range(len(t.headers))]

    def line(cells: Sequence[str]) -> str:
        shown = [
            c.rjust(w) if i >= t.numeric_from else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return f"{indent}  " + "  ".join(shown).rstrip()

    lines += [line(t.headers), line(["-" * w for w in widths])]
    for i, row in enumerate(t.rows):
        lines.append(line(row) + ("   <- worth a look" if i in t.warn_rows else ""))
    return lines


def fact_lines(facts: Sequence[Fact], indent: str = "  ") -> list[str]:
    """Each fact as ``label  value`` (labels aligned), its meaning under it."""
    width = max((len(f.label) for f in facts), default=0)
    lines = []
    for f in facts:
        flag = "   <- worth a look" if f.warn else ""
        lines += [f"{indent}{f.label.ljust(width)}  {f.value}{flag}", f"{indent}  {f.meaning}"]
    return lines


def section_lines(s: Section) -> list[str]:
    lines = [s.title.upper(), s.intro, "", *fact_lines(s.facts)]
    if s.lines:
        lines += ["", "  Moved most:", *(f"  {n}. {line}" for n, line in enumerate(s.lines, 1))]
    for t in s.tables:
        lines += ["", *table_lines(t)]
    return lines


def alarm_summary(installation: int, now: datetime) -> list[str]:
    """The ALARMS lines: when they were last checked, "no open alarm" or each open one (in words,
    what to check), and a warning when the last check is overdue (is celery beat running?)."""
    from leadq.alarm_words import checked_words
    from storage import alarms, monitor_snapshot
    from storage.db import UNAVAILABLE

    rt = runtime()
    with rt.sessions() as db:
        rows = alarms.open_alarms(db, installation)
        opened = [
            f"  - {alarms.label(row)}: {row.cause} (since {row.since or row.raised_at:%Y-%m-%d %H:%M} "
            f"UTC); check {row.check_hint}"
            for row in rows
        ]
    try:
        last = monitor_snapshot.last_checked(rt.redis, installation)
    except UNAVAILABLE:
        return ["ALARMS", "  when they were last checked is unknown (Redis cannot be reached)", *opened]
    said = checked_words(last, rt.settings.monitor_interval_s, installation, now, len(rows))
    lines = ["ALARMS", f"  Alarms {said.when}: {said.state}"]
    if said.stale:
        lines.append(f"  WARNING: {said.stale}")
    return [*lines, *opened, f"  Check now: `leadq alarms check {installation}`"]


def text_lines(report: MonitorReport, name: str, weeks: int, alarm_lines: Sequence[str] = ()) -> list[str]:
    from leadq.web import monitor_sections
    from leadq.web.monitor_notes import notes_text

    lines = [
        f"Monitoring of {name} (installation {report.installation_id}), computed "
        f"{report.computed_at:%Y-%m-%d %H:%M} UTC from leadq's own records",
        "",
        *([*alarm_lines, ""] if alarm_lines else []),
        "AT A GLANCE",
        *fact_lines(monitor_sections.headline(report)),
    ]
    if report.notes:
        notes = notes_text(report.notes, report.computed_at)
        lines += ["", "NOT SHOWN YET, AND WHY", *(f"  - {n}" for n in notes)]
    for s in monitor_sections.sections(report, weeks):
        lines += ["", *section_lines(s)]
    return lines


NOISE = 1e-12  # a float this close to zero is arithmetic noise (an interval bound of 8.67e-19): 0


def _plain(value: Any) -> Any:
    """JSON-ready: datetimes in ISO 8601, nan as null, floating noise near zero as 0, tuples as lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return 0.0 if abs(value) < NOISE else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _undefined_as_null(data: dict[str, Any], report: MonitorReport) -> None:
    """Null where the text report says a figure cannot be told yet, never a number that reads as
    measured: a tier's conversion while none of its leads was won or lost ("no outcomes yet": rate
    and interval null, hits, n and decided kept), and tier inflation while there are not enough
    weeks ("not enough weeks yet")."""
    from leadq.web.monitor_notes import inflation_undefined

    for row in data["performance"]["cohorts"]:
        for tier, rate in row["conversion"].items():
            if row["decided"].get(tier) == 0:
                rate.update(rate=None, low=None, high=None)
    if inflation_undefined(report.notes):
        data["drift"]["tier_inflation"] = None


def report_json(report: MonitorReport, weeks: int) -> str:
    """The report's fields as JSON (``monitoring.report``'s names), the weekly series cut to ``weeks``."""
    data = dataclasses.asdict(report)
    data["drift"]["weekly_share_l1l2"] = data["drift"]["weekly_share_l1l2"][-weeks:]
    _undefined_as_null(data, report)
    return json.dumps(_plain(data), indent=2, allow_nan=False)


@click.command("monitor", cls=OneLineErrors, short_help="Score performance, drift, routing health, fairness.")
@click.argument("installation", type=INSTALLATION)
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option(
    "--weeks",
    type=click.IntRange(1, 520),
    default=8,
    show_default=True,
    help="weeks of weekly history to show",
)
def monitor_cmd(installation: int, as_json: bool, weeks: int) -> None:
    """INSTALLATION's monitoring: conversion per tier by cohort month with 95% intervals, calibration,
    drift of the scores and inputs, routing times and queues, and the fairness ledger. Computed from
    leadq's own records (no CRM calls)."""
    report, name = build_report(installation)
    if as_json:
        click.echo(report_json(report, weeks))
        return
    names = model_names(installation)
    lines = text_lines(report, name, weeks, alarm_summary(installation, datetime.now(UTC)))
    click.echo("\n".join(renamed(line, names) for line in lines))


def model_names(installation: int) -> dict[str, str]:
    """The installation's model versions -> their names as the Model tab says them."""
    from storage.model_names import friendly_names

    with sessions()() as db:
        return friendly_names(db, installation)


COMMANDS = (monitor_cmd,)
