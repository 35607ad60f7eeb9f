"""What the command modules share: settings, the session factory, installation ids, waiting for
Ctrl-C, and the one printer of a preview (what a dry run would write)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from core.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from storage.db import Sessions
    from workers.services.context import InstallationContext

INSTALLATION_ID = click.IntRange(min=1, max=2**31 - 1)  # what the database's integer ids can hold


def settings() -> Settings:
    """The settings from the environment; a bad one stops the command naming the variable."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def sessions() -> Sessions:
    """A session factory on LEADQ_DATABASE_URL."""
    from storage.db import make_engine, make_session_factory

    return make_session_factory(make_engine(settings().sqlalchemy_url))


def working_context(installation: int, pending: bool = False) -> InstallationContext:
    """The installation's context; one that is gone or paused stops the command with the reason."""
    from workers.services.context import InstallationGone, InstallationPaused, Runtime, build_context

    try:
        return build_context(Runtime.from_settings(settings()), installation, pending=pending)
    except (InstallationGone, InstallationPaused) as exc:
        raise click.ClickException(str(exc)) from None


def wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


def preview_lines(preview: Mapping[str, Any], indent: str, samples: int = 0) -> list[str]:
    """A preview's changes per field (``key: action n, ...``), then up to ``samples`` example records."""
    lines = [
        f"{indent}{key}: " + ", ".join(f"{a} {n}" for a, n in sorted(actions.items()))
        for key, actions in sorted(preview["fields"].items())
    ]
    for sample in preview["samples"][:samples]:
        lines.append(
            f"{indent}e.g. record {sample['record']}: "
            + "; ".join(
                f"{k} {v['before']!r} -> {v['after']!r}" for k, v in list(sample["changes"].items())[:3]
            )
        )
    return lines
