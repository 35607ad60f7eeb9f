"""The typed error family every CRM call is converted into, and the retry decision.

No ``requests``, urllib3 or SDK exception may escape ``connector/``: the adapter
converts each into one of these, keeping status, url and parsed body.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class CrmError(Exception):
    """Base of every error a connector raises."""

    reason = "crm-error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        url: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body = body
        self.retry_after = retry_after

    @staticmethod
    def from_status(
        status: int,
        message: str,
        *,
        code: str = "",
        url: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> CrmError:
        """The typed error for one refused HTTP call: chosen by status, refined by the CRM's error code
        (Salesforce names a spent API budget and a locked row in the body, not in the status)."""
        return _kind(status, code)(message, status=status, url=url, body=body, retry_after=retry_after)


class CrmAuthError(CrmError):
    """401: token expired, revoked or invalid."""

    reason = "auth"


class CrmPermissionError(CrmError):
    """403 other than a rate limit: missing scopes, no access."""

    reason = "forbidden"


class CrmRateLimited(CrmError):
    reason = "rate-limited"


class CrmNotFound(CrmError):
    reason = "not-found"


class CrmConflict(CrmError):
    reason = "conflict"


class CrmValidationError(CrmError):
    """400: the request (usually one record's values) was rejected."""

    reason = "validation"


class CrmUnavailable(CrmError):
    """5xx, timeouts and connection failures."""

    reason = "unavailable"


def _kind(status: int, code: str) -> type[CrmError]:
    if status == 401:
        return CrmAuthError
    if status in (429, 423, 477) or code == "REQUEST_LIMIT_EXCEEDED":
        return CrmRateLimited
    if status == 404:
        return CrmNotFound
    if status == 409:
        return CrmConflict
    if status == 403:
        return CrmPermissionError
    if status >= 500 or code in ("UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"):
        return CrmUnavailable
    return CrmValidationError


class Action(enum.StrEnum):
    RETRY = "retry"
    FAIL = "fail"
    IGNORE = "ignore"


class Kind(enum.StrEnum):
    TRANSIENT = "transient"
    NEEDS_REAUTH = "needs_reauth"
    BAD_RECORD = "bad_record"
    OUR_BUG = "our_bug"


@dataclass(frozen=True, slots=True)
class Resolution:
    action: Action
    kind: Kind
    retry_after: float | None = None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def classify(status: int, headers: Mapping[str, str], body: Any) -> Resolution:
    """Decide retry versus fail for one HTTP answer, as data."""
    retry_after = _retry_after(headers)
    text = str(body or "")
    if status == 429:
        # HubSpot's 10-second rolling window: waiting a full window is always enough.
        return Resolution(Action.RETRY, Kind.TRANSIENT, retry_after or 10.0)
    if status == 403 and "REQUEST_LIMIT_EXCEEDED" in text:
        # Salesforce signals an exhausted API budget with 403, never with Retry-After.
        return Resolution(Action.RETRY, Kind.TRANSIENT, retry_after or 300.0)
    if status == 401:
        return Resolution(Action.FAIL, Kind.NEEDS_REAUTH)
    if status in (423, 477):
        # 423 Locked (heavy upserts, wait >= 2 s); 477 Migration in Progress, with Retry-After.
        return Resolution(Action.RETRY, Kind.TRANSIENT, retry_after or 2.0)
    if status >= 500 or status == 408 or "UNABLE_TO_LOCK_ROW" in text:
        return Resolution(Action.RETRY, Kind.TRANSIENT, retry_after or 1.0)
    if status == 403 and "MISSING_SCOPES" in text:
        # The installation lacks a scope: only a reinstall by an admin can fix it.
        return Resolution(Action.FAIL, Kind.NEEDS_REAUTH)
    if status == 404:
        return Resolution(Action.IGNORE, Kind.BAD_RECORD)
    if status in (400, 403, 409, 422):
        return Resolution(Action.FAIL, Kind.BAD_RECORD)
    return Resolution(Action.FAIL, Kind.OUR_BUG)
