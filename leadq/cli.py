"""The ``leadq`` command line: the group and ``--version``. The commands live in ``leadq/commands/``,
one module per audience, and are registered here; each parses, calls one function and prints."""

from __future__ import annotations

import click

from leadq.commands import admins, config, model, ops, reports, sync


@click.group()
@click.version_option(package_name="leadq", prog_name="leadq", message="%(prog)s %(version)s")
def main() -> None:
    """leadq: open-source lead qualification for HubSpot and Salesforce."""


for _module in (ops, admins, sync, config, reports, model):
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":
    main()
