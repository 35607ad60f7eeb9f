"""Tokens this worker cannot decrypt: mark the installation, keep the work, recover when keys fit.

A worker started with the wrong ``LEADQ_ENCRYPTION_KEYS`` cannot open any stored token
(``VaultError``). That is not the CRM's doing, so the installation is not "needs re-authorization":
it is marked ``cannot_decrypt`` with a reason the admin sees, its change events stay in the database
(queued, or paused if they arrive while it is marked) and nothing is marked done. The first worker
whose keys do open the tokens (a task for it, the watchdog, a worker starting) clears the mark and
hands the kept events back to the queue.
"""

from __future__ import annotations

import logging

from storage import events as event_store
from storage import installations
from storage.tokens import load_tokens
from storage.vault import VaultError
from workers.services.context import Runtime

log = logging.getLogger(__name__)


def mark_undecryptable(runtime: Runtime, installation_id: int) -> bool:
    """True if the installation was working and is now marked (its work stays where it is)."""
    with runtime.sessions.begin() as session:
        marked = installations.mark_cannot_decrypt(session, installation_id)
    log.error(
        "installation.cannot-decrypt",
        extra={"installation": installation_id, "hint": "check LEADQ_ENCRYPTION_KEYS", "marked": marked},
    )
    return marked


def recover(runtime: Runtime, installation_id: int) -> bool:
    """Clear the mark if this worker's keys open the installation's tokens; its paused events are
    queued again (the caller hands them to a task). True if it recovered."""
    with runtime.sessions.begin() as session:
        row = installations.get(session, installation_id)
        if row is None or row.status != installations.CANNOT_DECRYPT:
            return False
        try:
            load_tokens(session, runtime.vault, installation_id)  # decrypted and dropped at once
        except VaultError:
            return False
        installations.set_status(session, installation_id, installations.ACTIVE, "")
        event_store.resume_paused(session, installation_id)
    log.warning("installation.keys-recovered", extra={"installation": installation_id})
    return True


def recover_all(runtime: Runtime) -> list[int]:
    """Every marked installation this worker's keys open, recovered."""
    with runtime.sessions() as session:
        marked = installations.marked_cannot_decrypt(session)
    return [installation_id for installation_id in marked if recover(runtime, installation_id)]
