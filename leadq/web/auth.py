"""Admin sign-in (local accounts), secure session cookies, CSRF on every form, security headers.

Every state-changing request the admin app receives is a POST with the session's CSRF token;
webhooks (signed by the CRM, not by a browser) are the only POSTs exempt. An admin only ever
sees installations granted to them; anything else answers 404, so ids reveal nothing.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

import redis
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from connector import formatting
from leadq.records import VERDICT_LABELS
from leadq.storage import admins
from leadq.web import admin_session
from leadq.web.redirects import safe_next

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)
CSRF_EXEMPT = ("webhooks.",)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def services() -> Any:
    return current_app.extensions["leadq"]


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


@bp.before_app_request
def _check_csrf() -> None:
    if request.method != "POST" or (request.endpoint or "").startswith(CSRF_EXEMPT):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        log.warning("admin.csrf-refused", extra={"path": request.path, "remote": request.remote_addr})
        abort(
            400, description="The form expired or did not come from this site: reload the page and try again."
        )


@bp.before_app_request
def _load_admin() -> None:
    """The admin of a cookie whose server-side session is still valid (not ended, not expired)."""
    signed_in = admin_session.current(services())
    g.admin_id, g.admin_name = signed_in if signed_in else (None, None)


@bp.after_app_request
def _headers(response: Any) -> Any:
    if not (request.endpoint or "").startswith(CSRF_EXEMPT):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
    return response


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "csrf_token": csrf_token,
        "admin_name": g.get("admin_name"),
        "crm_labels": {"hubspot": "HubSpot", "salesforce": "Salesforce"},
        "verdict_labels": {v.value: label for v, label in VERDICT_LABELS.items()},
        # Scores and probabilities exactly as the CRM shows them (whole points, rounded half up).
        "points": lambda value: formatting.number(value, 0) or "-",
        "percent": lambda value: f"{formatting.percent(value)}%" if value is not None else "-",
    }


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not g.get("admin_id"):
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def installation_or_404(installation_id: int) -> Any:
    """The installation, if the signed-in admin was granted it; 404 otherwise (existence stays secret)."""
    from leadq.storage.tables import Installation

    with services().sessions() as db:
        if not admins.may_use(db, g.admin_id, installation_id):
            abort(404)
        row = db.get(Installation, installation_id)
        if row is None:
            abort(404)
        db.expunge(row)
        return row


LOGIN_WINDOW_S = 15 * 60
# One name from one address: after 10 failures that pair is locked for the rest of the window, the
# right password included. The same name from another address is not (so a guesser cannot lock the
# admin out); all names from one address: locked after 50 (a sprayer).
LOGIN_FAILURES_PER_PAIR = 10
LOGIN_FAILURES_PER_ADDRESS = 50
# One name from any addresses: after 20 failures the name is slowed, never locked: one try is checked
# per LOGIN_NAME_SPACING_S, a try sooner is asked to wait that long.
LOGIN_FAILURES_PER_NAME = 20
LOGIN_NAME_SPACING_S = 3
_warned_forwarded_for = False


def _client_address() -> str:
    """The client's address: the connection's, or, with LEADQ_TRUSTED_PROXIES set, the one ProxyFix
    took from X-Forwarded-For (a header that is otherwise ignored: anyone can send one)."""
    global _warned_forwarded_for
    forwarded = "X-Forwarded-For" in request.headers
    if forwarded and not _warned_forwarded_for and not services().settings.trusted_proxies:
        _warned_forwarded_for = True  # once per process
        log.warning(
            "admin.forwarded-for-ignored",
            extra={"hint": "behind a reverse proxy, set LEADQ_TRUSTED_PROXIES to the number of proxies"},
        )
    return request.remote_addr or "-"


def _name_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _throttle_keys(username: str) -> dict[str, tuple[str, int]]:
    name, address = _name_key(username), _client_address()
    return {
        "name-and-address": (f"leadq:login:pair:{name}:{address}", LOGIN_FAILURES_PER_PAIR),
        "address": (f"leadq:login:addr:{address}", LOGIN_FAILURES_PER_ADDRESS),
        "name": (f"leadq:login:name:{name}", LOGIN_FAILURES_PER_NAME),
    }


def _locked_for(username: str) -> int:
    """Seconds until sign-in may be tried again for this name from this address (0: now)."""
    try:
        client = services().redis
        for kind, (key, limit) in _throttle_keys(username).items():
            if kind != "name" and int(client.get(key) or 0) >= limit:
                return max(1, int(client.ttl(key)))
    except redis.RedisError:
        log.warning("admin.sign-in-throttle-unavailable")  # fail open: admins can still sign in
    return 0


def _slowed_for(username: str) -> int:
    """A name with many failures from anywhere is tried at most once per LOGIN_NAME_SPACING_S:
    seconds to wait before this try is checked (0: now)."""
    try:
        client = services().redis
        key, limit = _throttle_keys(username)["name"]
        if int(client.get(key) or 0) < limit:
            return 0
        gate = f"leadq:login:spacing:{_name_key(username)}"
        if client.set(gate, 1, nx=True, px=LOGIN_NAME_SPACING_S * 1000):
            return 0
        return max(1, -(-int(client.pttl(gate)) // 1000))
    except redis.RedisError:
        log.warning("admin.sign-in-throttle-unavailable")
    return 0


def _count_failure(username: str) -> None:
    try:
        keys = _throttle_keys(username)
        pipe = services().redis.pipeline()
        for key, _limit in keys.values():
            pipe.incr(key)
            pipe.expire(key, LOGIN_WINDOW_S, nx=True)
        counts = pipe.execute()[::2]
    except redis.RedisError:
        log.warning("admin.sign-in-throttle-unavailable")
        return
    for (kind, (_key, limit)), count in zip(keys.items(), counts, strict=True):
        if count == limit:  # log when a lock (or the slowing of a name) starts, once per window
            with services().sessions() as db:
                known = admins.by_name(db, username)
                admin_id = known.id if known is not None else None
            log.warning(
                "admin.sign-in-slowed" if kind == "name" else "admin.sign-in-locked",
                extra={
                    "kind": kind,
                    "failures": count,
                    "admin": admin_id,
                    "name_hash": _name_key(username),
                    "remote": _client_address(),
                    "window_s": LOGIN_WINDOW_S,
                },
            )


def _forget_failures(username: str) -> None:
    """A successful sign-in clears its own name-and-address count (not the name's or address's)."""
    try:
        services().redis.delete(_throttle_keys(username)["name-and-address"][0])
    except redis.RedisError:
        log.warning("admin.sign-in-throttle-unavailable")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")[:255]
        wait = _locked_for(username)
        if wait:
            log.warning("admin.sign-in-refused-locked", extra={"remote": _client_address()})
            error = f"Too many failed sign-ins: try again in {(wait + 59) // 60} minutes."
            return render_template("login.html", error=error), 429
        wait = _slowed_for(username)
        if wait:
            error = f"Many failed sign-ins for this name: wait {wait} seconds, then try again."
            return render_template("login.html", error=error), 429, {"Retry-After": str(wait)}
        with services().sessions.begin() as db:
            # the whole password: admins.authenticate refuses one longer than a password can be set
            admin = admins.authenticate(db, username, request.form.get("password", ""))
            admin_id, name = (admin.id, admin.username) if admin else (None, None)
        if admin_id is not None:
            admin_session.begin(services(), admin_id, name)  # a fresh session, held server side
            _forget_failures(username)
            csrf_token()
            log.info("admin.signed-in", extra={"admin": admin_id})
            return redirect(safe_next(request.args.get("next")))
        log.warning("admin.sign-in-refused", extra={"remote": _client_address()})
        _count_failure(username)
        error = "Unknown username or wrong password."
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    admin_session.end(services())
    return redirect(url_for("auth.login"))
