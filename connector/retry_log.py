"""The one log line and pause before a CRM call is tried again (both clients' retry loops)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from connector.base import ClientConfig
from connector.errors import CrmError


def unreachable_words(exc: BaseException) -> str:
    """Why a CRM could not be reached, as a person says it (not the HTTP library's class name)."""
    text = f"{type(exc).__name__} {exc}"
    for needle, words in (
        ("Connection refused", "the connection was refused"),
        ("NameResolution", "its host name was not found"),
        ("Name or service not known", "its host name was not found"),
        ("Temporary failure in name resolution", "its host name was not found"),
        ("Timeout", "it did not answer in time"),
        ("timed out", "it did not answer in time"),
        ("SSL", "its TLS certificate was not accepted"),
        ("CERTIFICATE", "its TLS certificate was not accepted"),
    ):
        if needle in text:
            return words
    return "a network error"


def given_up(config: ClientConfig, answered: bool, attempt: int) -> bool:
    """Whether a CRM that cannot be reached, on attempt ``attempt`` (0-based), is tried no more: only
    when it has never answered the client and ``config.unreachable_attempts`` are spent."""
    limit = config.unreachable_attempts
    return limit is not None and not answered and attempt + 1 >= limit


def pause_before_retry(
    log: logging.Logger,
    event: str,
    tenant: Mapping[str, str],
    what: str,
    attempt: int,
    last: CrmError,
    wait: float,
    sleep: Callable[[float], None],
) -> None:
    """Log ``event`` (``<crm>.call.retry``) with the tenant, the call, the attempt that failed and the
    wait, then sleep for the wait."""
    log.warning(
        event,
        extra={
            **tenant,
            "what": what,
            "attempt": attempt + 1,
            "status": last.status,
            "wait_s": round(wait, 2),
        },
    )
    sleep(wait)
