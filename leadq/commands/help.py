"""``leadq --help`` lists each command with its whole one-line summary: click cuts the first line of a
docstring to the terminal's width and ends it with "...", so every command says what it does in a
``short_help`` short enough for an 80-column terminal, and the group never cuts one."""

from __future__ import annotations

import click

SUMMARY_MAX = 60  # 80 columns, less the indent and the widest command name


def summary(command: click.Command) -> str:
    """The command's ``short_help``, or else the first line of its help: whole, never cut."""
    if command.short_help:
        return command.short_help
    lines = (command.help or "").strip().splitlines()
    return lines[0].strip() if lines else ""


class SummaryGroup(click.Group):
    """A group whose command list shows each command's whole summary."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
