"""Keeping an installation's access token fresh, one refresh at a time.

HubSpot access tokens live 30 minutes; leadq refreshes 5 minutes before expiry
and when a call is refused with 401. Concurrent workers share a per-installation
lock: the one that holds it refreshes, the others re-read the stored token after
it is released, so two refreshes never race (with rotating refresh tokens, as
Salesforce can have, a lost race would invalidate the installation).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from core.tokens import HeldTokens

REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenSet:
    """A token endpoint's answer; ``tenant_id`` is the installed account (HubSpot portal, Salesforce org)."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    tenant_id: str | None = None
    user_id: str | None = None
    scopes: tuple[str, ...] = ()
    instance_url: str | None = None  # Salesforce: the API host for this org
    identity_url: str | None = None  # Salesforce: .../id/{orgId}/{userId}

    def __repr__(self) -> str:  # never show a token
        return f"TokenSet(expires_at={self.expires_at!r}, tenant_id={self.tenant_id!r})"


class TokenStore(Protocol):
    def load(self, installation_id: int) -> HeldTokens | None: ...

    def save(self, installation_id: int, tokens: HeldTokens) -> None: ...


LockFactory = Callable[[str], AbstractContextManager[object]]
Refresher = Callable[[str], TokenSet]


class TokenManager:
    """``current()`` gives a usable access token; ``after_unauthorized(old)`` refreshes once."""

    def __init__(
        self,
        installation_id: int,
        store: TokenStore,
        refresher: Refresher,
        lock: LockFactory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.installation_id = installation_id
        self.store = store
        self.refresher = refresher
        self.lock = lock
        self.clock = clock
        self.refreshes = 0

    def _stale(self, tokens: HeldTokens) -> bool:
        return tokens.expires_at is not None and tokens.expires_at - REFRESH_MARGIN <= self.clock()

    def _load(self) -> HeldTokens:
        tokens = self.store.load(self.installation_id)
        if tokens is None:
            from oauth.errors import InvalidGrant

            raise InvalidGrant("no tokens stored for this installation: it must be installed again")
        return tokens

    def current(self) -> str:
        tokens = self._load()
        if not self._stale(tokens):
            return tokens.access_token
        return self._refresh(unless_changed_from=None)

    def after_unauthorized(self, rejected_token: str) -> str:
        """The CRM refused ``rejected_token``: refresh, unless another worker already did."""
        return self._refresh(unless_changed_from=rejected_token)

    def _refresh(self, unless_changed_from: str | None) -> str:
        with self.lock(f"token-refresh:{self.installation_id}"):
            tokens = self._load()  # re-read under the lock: someone may have refreshed already
            if unless_changed_from is not None and not hmac.compare_digest(
                tokens.access_token, unless_changed_from
            ):
                return tokens.access_token
            if unless_changed_from is None and not self._stale(tokens):
                return tokens.access_token
            if not tokens.refresh_token:
                from oauth.errors import InvalidGrant

                raise InvalidGrant("no refresh token stored: the installation must be authorized again")
            fresh = self.refresher(tokens.refresh_token)
            self.store.save(self.installation_id, fresh)
            self.refreshes += 1
            return fresh.access_token
