"""The ``leadq`` command line: the group and ``--version``. The commands live in ``leadq/commands/``,
one module per audience, and are registered here; each parses, calls one function and prints.

No command shows a Python traceback: the group turns every failure a user can fix (no database yet,
wrong keys, an unknown installation, the CRM or Redis unreachable, a bad setting or path) into one
sentence naming the fix (``leadq/commands/failures.py``); anything else is reported in one line, its
traceback written to the CLI's log file (``LEADQ_DEBUG=1`` shows it on the screen instead)."""

from __future__ import annotations

from typing import Any

import click

from leadq.commands import admins, alarms, config, model, monitor, ops, reports, sync
from leadq.commands.failures import configure_screen_logging, debugging, known_failure, record_bug
from leadq.commands.help import SummaryGroup

# Summaries for commands registered without one short enough for `leadq --help` on 80 columns.
SUMMARIES = {
    "evaluate": "Report how well leadq would score a CSV of leads.",
    "train": "Train a model on a CSV of leads and save it as JSON.",
    "score": "Score a CSV of leads with a trained model.",
}


class LeadqGroup(SummaryGroup):
    """The top-level group: whole summaries in its help, and one sentence instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        configure_screen_logging()
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if debugging():
                raise
            message = known_failure(exc)
            if message is None:
                message = record_bug(exc, ctx.invoked_subcommand or "")
            raise click.ClickException(message) from None


@click.group(cls=LeadqGroup)
@click.version_option(package_name="leadq", prog_name="leadq", message="%(prog)s %(version)s")
def main() -> None:
    """leadq: open-source lead qualification for HubSpot and Salesforce."""


for _module in (ops, admins, sync, config, reports, monitor, model, alarms):
    for _command in _module.COMMANDS:
        if _command.short_help is None and _command.name in SUMMARIES:
            _command.short_help = SUMMARIES[_command.name]
        main.add_command(_command)


if __name__ == "__main__":
    main()
