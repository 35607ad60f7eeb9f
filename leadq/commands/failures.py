"""What each way a command can fail means to whoever typed it: one sentence naming what is wrong and
the command (or setting) that fixes it. ``leadq/cli.py``'s group turns every known exception into
that sentence; anything else is a bug, reported in one line with its details in a log file."""

from __future__ import annotations

import logging
import os
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from core.settings import Settings
    from storage.database_check import DatabaseProblem

REINSTALL = "`leadq install-url hubspot|salesforce`"
DEBUG_VARIABLE = "LEADQ_DEBUG"
LOG_NAME = "leadq-cli.log"

log = logging.getLogger("leadq.cli")


def _settings_or_none() -> Settings | None:
    from core.settings import load_settings

    try:
        return load_settings()
    except Exception:  # noqa: BLE001 - only to name URLs in a message; a bad setting is reported apart
        return None


def demo_settings(settings: Settings) -> str | None:
    """How to point the CLI at what ``leadq demo`` made under the data directory: its settings file
    (keys included), or else its database; None when there is no demo."""
    folder = settings.data_dir / "demo"
    env_file, database = folder / "leadq.env", folder / "demo.db"
    if env_file.is_file() and os.environ.get("LEADQ_ENV_FILE", "").strip() != str(env_file):
        return f"`export LEADQ_ENV_FILE={env_file.resolve()}`"
    if database.is_file():
        return f"`export LEADQ_DATABASE_URL=sqlite:///{database.resolve()}`"
    return None


def _or_the_demo(settings: Settings) -> str:
    demo = demo_settings(settings)
    if demo:
        return f"or use the demo's: {demo}"
    return "or, for a demo run elsewhere, `export LEADQ_ENV_FILE=<its folder>/var/demo/leadq.env`"


def database_message(problem: DatabaseProblem, settings: Settings) -> str:
    """The sentence for a database that is missing, unreachable, empty or behind."""
    from storage.database_check import Problem

    url, detail = problem.url, problem.detail
    if problem.problem == Problem.MISSING:
        return f"no leadq database at {url}: create it with `leadq db upgrade` ({_or_the_demo(settings)})"
    if problem.problem == Problem.EMPTY:
        return (
            f"the database at {url} has no leadq tables yet: create them with `leadq db upgrade` "
            f"({_or_the_demo(settings)})"
        )
    if problem.problem == Problem.BEHIND:
        return (
            f"the database at {url} has an older leadq schema (revision {detail}): "
            "bring it up to date with `leadq db upgrade`"
        )
    return f"the database at {url} cannot be reached ({detail}): start it, or fix LEADQ_DATABASE_URL"


def _service_message(service: str, detail: str) -> str:
    settings = _settings_or_none()
    if service == "redis":
        where = f" at {settings.redis_url}" if settings else ""
        return f"Redis{where} cannot be reached ({detail}): start Redis, or fix LEADQ_REDIS_URL"
    if service == "lock":
        return (
            f"another leadq process is working on this installation ({detail}): wait for it (a worker "
            "or another command) to finish, then run the command again"
        )
    from storage.database_check import shown

    where = f" at {shown(settings.sqlalchemy_url)}" if settings else ""
    return (
        f"the database{where} failed ({detail}): check that it is running and that "
        "LEADQ_DATABASE_URL names it, then run the command again"
    )


def _vault_message() -> str:
    settings = _settings_or_none()
    demo = demo_settings(settings) if settings else None
    return (
        "the CRM tokens stored in the database cannot be decrypted with LEADQ_ENCRYPTION_KEYS: set it "
        f"to the keys leadq was installed with{f' (the demo: {demo})' if demo else ''}, or install "
        f"again with {REINSTALL}"
    )


def _crm_message(exc: Exception) -> str:
    from connector.errors import CrmAuthError, CrmPermissionError, CrmRateLimited, CrmUnavailable

    if isinstance(exc, CrmUnavailable):
        return (
            f"the CRM is unavailable ({exc}): check that it is up and that this machine can reach it, "
            "then run the command again"
        )
    if isinstance(exc, CrmAuthError):
        return f"the CRM refused leadq's access token ({exc}): install leadq again with {REINSTALL}"
    if isinstance(exc, CrmPermissionError):
        return (
            f"the CRM refused leadq access ({exc}): install leadq again as a user with the "
            f"permissions the README lists ({REINSTALL})"
        )
    if isinstance(exc, CrmRateLimited):
        return f"the CRM's API limit is used up ({exc}): wait a few minutes, then run the command again"
    return f"the CRM refused the request ({exc}): check the installation with `leadq status`"


def _oauth_message(exc: Exception) -> str:
    from oauth.errors import InvalidGrant, ProviderDown

    if isinstance(exc, ProviderDown):
        return (
            f"the CRM's sign-in service could not be reached ({exc}): check that it is up, then run "
            "the command again"
        )
    if isinstance(exc, InvalidGrant):
        return f"the CRM no longer accepts leadq's authorization ({exc}): install it again with {REINSTALL}"
    return f"leadq's authorization with the CRM failed ({exc}): install it again with {REINSTALL}"


def _file_message(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else "a file"
    why = exc.strerror or type(exc).__name__
    return f"cannot use {name}: {why.lower()}: check the path and its permissions"


def known_failure(exc: Exception) -> str | None:
    """The sentence for an exception a user can fix; None when it is a bug."""
    from connector.errors import CrmError
    from core.settings import SettingsError
    from oauth.errors import OAuthError
    from storage.database_check import unavailable_service
    from storage.vault import VaultError
    from workers.services.context import InstallationGone, InstallationPaused

    if isinstance(exc, SettingsError):
        return f"{exc}: fix it in the environment, then run the command again"
    if isinstance(exc, InstallationGone):
        return f"{exc}: `leadq status` lists them"
    if isinstance(exc, InstallationPaused):
        return f"{exc}: install it again with {REINSTALL}; its kept changes resume then"
    if isinstance(exc, VaultError):
        return _vault_message()
    if isinstance(exc, CrmError):
        return _crm_message(exc)
    if isinstance(exc, OAuthError):
        return _oauth_message(exc)
    service = unavailable_service(exc)
    if service is not None:
        return _service_message(*service)
    if isinstance(exc, OSError) and exc.filename is not None:
        return _file_message(exc)
    return None


def debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def _log_file() -> Path:
    settings = _settings_or_none()
    return (settings.data_dir if settings else Path(os.environ.get("LEADQ_DATA_DIR", "var"))) / LOG_NAME


def record_bug(exc: BaseException, command: str) -> str:
    """Append the traceback to the CLI's log file; the one line to show instead of it."""
    details = f"run with {DEBUG_VARIABLE}=1 for details"
    try:
        path = _log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC `leadq {command}` failed:\n")
            handle.write("".join(traceback.format_exception(exc)) + "\n")
        details += f" (the traceback is in {path})"
    except OSError:
        log.debug("cli.log-unwritable", exc_info=True)
    first = str(exc).strip().splitlines()
    what = f"{type(exc).__name__}: {first[0]}" if first else type(exc).__name__
    return f"`leadq {command}` failed unexpectedly ({what}); {details}"


class _ScreenHandler(logging.Handler):
    """The CLI's warnings on stderr, one line each: an exception logged with one shows its last line
    (its type and words), never the traceback. Writes to the current stderr at each line."""

    _leadq = True  # core.logging.configure_logging (the demo's web app) adds no second handler

    def emit(self, record: logging.LogRecord) -> None:
        try:
            extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
            text = _retry_line(record.getMessage(), extra)
            if text is not None:
                click.echo(text, err=True)
                return
            text = f"{record.levelname.lower()}: {record.getMessage()}"
            if extra:
                text += " (" + ", ".join(f"{k} {v}" for k, v in sorted(extra.items())) + ")"
            if record.exc_text:
                text += f": {record.exc_text.strip().splitlines()[-1]}"
            click.echo(text, err=True)
        except Exception:  # noqa: BLE001 - a log line must never stop a command
            self.handleError(record)


def _retry_line(event: str, extra: dict[str, object]) -> str | None:
    """A CRM call about to be retried (``<crm>.call.retry``), as a person would say it."""
    if not event.endswith(".call.retry"):
        return None
    crm = {"hubspot": "HubSpot", "salesforce": "Salesforce"}.get(event.split(".")[0], "the CRM")
    status = extra.get("status")
    answer = f"answered {status}" if status else "did not answer"
    what = f" ({extra['what']})" if extra.get("what") else ""
    wait = float(str(extra.get("wait_s") or 0))
    after = f"{wait:.1f}" if wait < 1 else f"{wait:.0f}"
    return f"{crm} {answer}{what}: trying again in {after} s (attempt {extra.get('attempt')} failed)"


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "exc_text"}


def configure_screen_logging() -> None:
    """Warnings and errors on stderr as single lines, secrets redacted (once per process)."""
    from core.logging import RedactionFilter

    root = logging.getLogger()
    if any(isinstance(h, _ScreenHandler) for h in root.handlers):
        return
    handler = _ScreenHandler(logging.WARNING)
    handler.addFilter(RedactionFilter())
    root.addHandler(handler)
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
