"""The task layer's reading of errors: what a task does with each error it raises (``outcome_of``),
one policy for every task. ``workers.tasks.LeadqTask.handle`` acts on it."""

from __future__ import annotations

import enum

from connector.errors import (
    CrmAuthError,
    CrmError,
    CrmRateLimited,
    CrmUnavailable,
    Kind,
    classify,
)
from oauth.errors import InvalidGrant
from storage.db import UNAVAILABLE
from storage.vault import VaultError
from workers.services.context import InstallationGone, InstallationPaused


class Outcome(enum.StrEnum):
    """What the error policy does with an error a task raised."""

    GONE = "gone"  # the installation was removed: log and return
    HELD = "held"  # the installation is not working (its status says why): keep its work paused
    NEEDS_REAUTH = "needs_reauth"  # the CRM refused leadq's authorisation: mark it, keep the work
    CANNOT_DECRYPT = "cannot_decrypt"  # this worker's keys do not open the tokens: mark, keep as is
    TRANSIENT = "transient"  # the CRM, the database or Redis will answer later: retry or defer
    FAIL = "fail"  # anything else: the task fails (and is logged by Celery)


# The answer a typed CRM error stands for, whatever status it came with (a connection that failed
# has none; Salesforce's spent request budget comes as a 403): what ``classify`` decides on. Other
# CRM errors are classified by their own status and body.
_STANDS_FOR: tuple[tuple[type[CrmError], int], ...] = (
    (CrmAuthError, 401),
    (CrmRateLimited, 429),
    (CrmUnavailable, 503),
)


def outcome_of(exc: BaseException) -> tuple[Outcome, float | None]:
    """The policy's reading of an error, and for a transient one the wait the CRM asked for. CRM
    errors are read through ``connector.errors.classify`` (its ``Resolution.kind``)."""
    if isinstance(exc, InstallationGone):
        return Outcome.GONE, None
    if isinstance(exc, InstallationPaused):
        return Outcome.HELD, None
    if isinstance(exc, InvalidGrant):
        return Outcome.NEEDS_REAUTH, None
    if isinstance(exc, VaultError):
        return Outcome.CANNOT_DECRYPT, None
    if isinstance(exc, UNAVAILABLE):
        return Outcome.TRANSIENT, None
    if isinstance(exc, CrmError):
        status = next((code for kind, code in _STANDS_FOR if isinstance(exc, kind)), exc.status)
        if status is None:
            return Outcome.FAIL, None
        resolution = classify(status, {}, exc.body)
        if resolution.kind == Kind.TRANSIENT:
            return Outcome.TRANSIENT, exc.retry_after
        if resolution.kind == Kind.NEEDS_REAUTH:
            return Outcome.NEEDS_REAUTH, None
    return Outcome.FAIL, None
