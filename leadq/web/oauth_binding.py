"""Every OAuth flow (install or CRM sign-in) is bound to the browser that started it.

``begin`` issues the signed state and keeps its nonce in that browser's session cookie (signed by
Flask, so a browser cannot add a nonce it was not given); with PKCE it also makes a fresh random
verifier and keeps it server-side in Redis under the nonce, never in a URL or a cookie. ``complete``
accepts a callback only when the state is genuine, fresh, for this flow, was started by *this*
browser's session, and was never used; only then is the verifier handed out (and deleted).

So a callback URL (code and state) taken from one browser and loaded in another, be it by a link,
an image or a redirect, installs nothing, grants nothing and signs nobody in: the other browser's
session never held that nonce (an ``<img>`` or other cross-site sub-request carries no session
cookie at all, the cookie being ``SameSite=Lax``).
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, request, session

from oauth import state as oauth_state
from oauth.errors import InvalidState
from storage import pkce_verifiers
from storage.oauth_store import DbNonceStore

SESSION_KEY = "oauth_flows"
MAX_PENDING = 4  # flows one browser may have open at once (tabs); the oldest is dropped
NOT_THIS_BROWSER = (
    "this link was not started in this browser: leadq finishes an install or a sign-in only in the "
    "browser that began it. Nothing was stored; start again from leadq"
)


def _services() -> Any:
    return current_app.extensions["leadq"]


def _key() -> bytes:
    return _services().settings.flask_secret().encode()


def _flows(now: float) -> list[list[Any]]:
    """This browser's flows, [purpose, nonce, expires_at, used], expired ones dropped."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, list):
        return []
    return [
        list(item)
        for item in stored
        if isinstance(item, list) and len(item) == 4 and isinstance(item[2], int) and item[2] >= now
    ]


def begin(purpose: str, extra: str = "") -> str:
    """A state for a new flow, bound to this browser."""
    state = oauth_state.issue(_key(), purpose, extra=extra)
    flows = _flows(time.time())
    flows.append([purpose, oauth_state.nonce_of(state), int(time.time()) + oauth_state.DEFAULT_TTL_S, False])
    session[SESSION_KEY] = flows[-MAX_PENDING:]
    return state


def begin_with_pkce(purpose: str, extra: str = "") -> tuple[str, str]:
    """A state bound to this browser and a fresh PKCE verifier, kept server-side under its nonce."""
    state = begin(purpose, extra)
    verifier = oauth_state.new_pkce_verifier()
    nonce = oauth_state.nonce_of(state)
    pkce_verifiers.keep(_services().redis, nonce, verifier, oauth_state.DEFAULT_TTL_S + 60)
    return state, verifier


def complete(purpose: str) -> oauth_state.StateData:
    """The callback's state data if this browser started this flow and it was never used; else
    ``InvalidState`` with a sentence for the admin (and, when refused, nothing is used up)."""
    data = oauth_state.read(_key(), request.args.get("state"), purpose)
    flows = _flows(time.time())
    mine = next((f for f in flows if f[0] == purpose and f[1] == data.nonce), None)
    if mine is None:
        raise InvalidState(NOT_THIS_BROWSER)
    if mine[3]:
        raise InvalidState("the sign-in link was already used: start the install again")
    mine[3] = True
    session[SESSION_KEY] = flows
    return oauth_state.consume(data, DbNonceStore(_services().sessions))


def complete_with_pkce(purpose: str) -> tuple[oauth_state.StateData, str]:
    """``complete``, and the flow's PKCE verifier (taken out of Redis: it serves once)."""
    data = complete(purpose)
    verifier = pkce_verifiers.take(_services().redis, data.nonce)
    if verifier is None:
        raise InvalidState("the sign-in link expired: start again from leadq")
    return data, verifier
