"""The one log line and pause before a CRM call is tried again (both clients' retry loops)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from connector.errors import CrmError


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
