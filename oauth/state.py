"""The OAuth ``state``: signed, short-lived and single-use.

``issue`` returns ``nonce.expires.purpose.extra.signature`` (URL-safe) where the signature is an
HMAC over everything before it; ``read`` checks signature, purpose and expiry in constant time;
``verify`` then consumes the nonce through a ``NonceStore``, so a replayed callback is refused
even inside the time window.

A signed state alone proves only that leadq issued it, not that the browser bringing it back is
the one that started the flow: the web layer (``leadq.web.oauth_binding``) keeps each nonce in the
starting browser's session and refuses a state that browser did not start. The PKCE verifier is
random per flow (``new_pkce_verifier``) and kept server-side; nothing here derives it from the
state, which travels in URLs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from oauth.errors import InvalidState

DEFAULT_TTL_S = 600


class NonceStore(Protocol):
    def consume(self, nonce: str, expires_at: float) -> bool:
        """Record the nonce as used; False if it was used before."""
        ...


class MemoryNonceStore:
    """For tests and single-process use."""

    def __init__(self) -> None:
        self.used: dict[str, float] = {}

    def consume(self, nonce: str, expires_at: float) -> bool:
        if nonce in self.used:
            return False
        self.used[nonce] = expires_at
        return True


@dataclass(frozen=True)
class StateData:
    nonce: str
    expires_at: float
    purpose: str
    extra: str = ""  # e.g. "sandbox"/"production" login (never a secret: the state travels in URLs)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def issue(
    key: bytes,
    purpose: str,
    extra: str = "",
    ttl_s: int = DEFAULT_TTL_S,
    clock: Callable[[], float] = time.time,
) -> str:
    nonce = secrets.token_urlsafe(18)
    expires = int(clock()) + ttl_s
    payload = f"{nonce}.{expires}.{purpose}.{_b64(extra.encode())}"
    return f"{payload}.{_sign(key, payload)}"


def read(key: bytes, token: str | None, purpose: str, clock: Callable[[], float] = time.time) -> StateData:
    """The state's data if genuine, fresh and for this purpose (not yet consumed); else InvalidState."""
    if not token or token.count(".") != 4:
        raise InvalidState("the sign-in link is incomplete (no state, or a damaged one): start again")
    payload, signature = token.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(key, payload)):
        raise InvalidState("the sign-in link was not issued by this leadq: start the install again")
    nonce, expires_text, token_purpose, extra_b64 = payload.split(".")
    if token_purpose != purpose:
        raise InvalidState("the sign-in link is for another CRM: start the install again")
    expires = int(expires_text)
    if clock() > expires:
        raise InvalidState("the sign-in link expired: start the install again")
    extra = base64.urlsafe_b64decode(extra_b64 + "=" * (-len(extra_b64) % 4)).decode()
    return StateData(nonce, expires, purpose, extra)


def consume(data: StateData, store: NonceStore) -> StateData:
    """Use the state up: a second callback with it is refused."""
    if not store.consume(data.nonce, data.expires_at):
        raise InvalidState("the sign-in link was already used: start the install again")
    return data


def verify(
    key: bytes, token: str | None, purpose: str, store: NonceStore, clock: Callable[[], float] = time.time
) -> StateData:
    """The state's data if genuine, fresh, for this purpose and never used; else InvalidState."""
    return consume(read(key, token, purpose, clock), store)


def new_pkce_verifier() -> str:
    """A fresh PKCE code verifier (RFC 7636: 43-128 unreserved characters; here 86, 512 random bits).
    Random per flow and kept server-side: it is never derived from, nor sent with, the state."""
    return secrets.token_urlsafe(64)


def pkce_challenge(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


def nonce_of(token: str) -> str:
    """The nonce of a state leadq just issued (kept in the starting browser's session)."""
    return token.split(".", 1)[0]
