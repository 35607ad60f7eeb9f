"""What the command modules share: settings, the session factory, installation ids, waiting for
Ctrl-C, and the one printer of a preview (what a dry run would write)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import click

from core.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from leadq.commands.progress import Step
    from storage.db import Sessions
    from workers.services.context import InstallationContext, Runtime

INSTALLATION_ID = click.IntRange(min=1, max=2**31 - 1)  # what the database's integer ids can hold
NO_SUCH = "there is no installation {}: `leadq status` lists them"  # .format(the id)


UNREACHABLE_ATTEMPTS = 2  # a command's tries at a CRM that has never answered it (about 0.5 s apart)


def settings() -> Settings:
    """The settings from the environment; a bad one stops the command naming the variable."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def database_url(behind_ok: bool = False) -> str:
    """LEADQ_DATABASE_URL, once it is known to hold leadq's current schema: a database that is
    missing (nothing is created to find out), unreachable, empty or (unless ``behind_ok``) behind
    stops the command with the fix."""
    from leadq.commands.failures import database_message
    from storage.database_check import Problem, check_database

    config = settings()
    problem = check_database(config.sqlalchemy_url)
    if problem is not None and not (behind_ok and problem.problem == Problem.BEHIND):
        raise click.ClickException(database_message(problem, config))
    return config.sqlalchemy_url


def sessions() -> Sessions:
    """A session factory on LEADQ_DATABASE_URL (checked first: see ``database_url``)."""
    from storage.db import make_engine, make_session_factory

    return make_session_factory(make_engine(database_url()))


def runtime() -> Runtime:
    """What the workers hold (database, keys, Redis), each checked first so that a missing one stops
    the command with the fix before any work starts."""
    from storage.database_check import redis_problem
    from workers.services.context import Runtime

    database_url()
    given = settings()
    if given.crm_unreachable_attempts is None:  # a person waits: a CRM that never answers fails fast
        given = given.model_copy(update={"crm_unreachable_attempts": UNREACHABLE_ATTEMPTS})
    made = Runtime.from_settings(given)
    problem = redis_problem(made.redis)
    if problem is not None:
        raise click.ClickException(
            f"Redis at {made.settings.redis_url} cannot be reached ({problem}): start Redis, or fix "
            "LEADQ_REDIS_URL"
        )
    return made


def working_context(installation: int, pending: bool = False) -> InstallationContext:
    """The installation's context; one that is gone or paused stops the command with the reason
    (through the group's messages in ``leadq/commands/failures.py``)."""
    from workers.services.context import build_context

    return build_context(runtime(), installation, pending=pending)


def counted(step: Step) -> Callable[[int, int | None], None]:
    """A progress ``step`` fed with running totals (``done so far, out of``) instead of advances."""
    shown = 0

    def show(done: int, total: int | None) -> None:
        nonlocal shown
        step(done - shown, total=total)
        shown = done

    return show


def per_page(step: Step) -> Callable[[Any], None]:
    """A progress ``step`` fed with a backfill's ``Progress`` after each page."""
    show = counted(step)
    return lambda page: show(page.done, page.total)


def wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


def _shown(value: Any) -> str:
    """A field's value in a preview line: quoted, or "(empty)" where the field holds nothing."""
    return "(empty)" if value is None or value == "" else repr(str(value))


def preview_lines(preview: Mapping[str, Any], indent: str, samples: int = 0, crm_kind: str = "") -> list[str]:
    """A preview's changes per field, in the CRM's field labels and the preview's words ("leadq tier:
    would change (a value leadq wrote before) 93, already right 307"), then up to ``samples`` example
    records."""
    from leadq.web.field_words import field_label, scoped_label, worded

    lines = [
        f"{indent}{scoped_label(key, crm_kind)}: " + ", ".join(f"{a} {n:,}" for a, n in worded(actions))
        for key, actions in sorted(preview["fields"].items())
    ]
    for sample in preview["samples"][:samples]:
        lines.append(
            f"{indent}e.g. record {sample['record']}: "
            + "; ".join(
                f"{field_label(k)} {_shown(v['before'])} -> {_shown(v['after'])}"
                for k, v in list(sample["changes"].items())[:3]
            )
        )
    return lines
