"""Admin sign-in (local accounts), secure session cookies, CSRF on every form, security headers.

Every state-changing request the admin app receives is a POST with the session's CSRF token;
webhooks (signed by the CRM, not by a browser) are the only POSTs exempt. An admin only ever
sees installations granted to them; anything else answers 404, so ids reveal nothing.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from connector import formatting
from connector.registry import PROVIDERS
from core.records import VERDICT_LABELS
from leadq.web import admin_session
from leadq.web import sign_in_throttle as throttle
from leadq.web.redirects import safe_next
from storage import admins, installations

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
        "crm_labels": {kind.value: crm.label for kind, crm in PROVIDERS.items()},
        "configured_crms": _configured_crms,
        "verdict_labels": {v.value: label for v, label in VERDICT_LABELS.items()},
        # Scores and probabilities exactly as the CRM shows them (whole points, rounded half up).
        "points": lambda value: formatting.number(value, 0) or "-",
        "percent": lambda value: f"{formatting.percent(value)}%" if value is not None else "-",
    }


def _configured_crms() -> list[str]:
    from leadq.web.install import configured_crms

    return configured_crms(services().settings)


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not g.get("admin_id"):
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def installation_or_404(installation_id: int) -> Any:
    """The installation, if the signed-in admin was granted it; 404 otherwise (existence stays secret)."""
    with services().sessions() as db:
        if not admins.may_use(db, g.admin_id, installation_id):
            abort(404)
        row = installations.get(db, installation_id)
        if row is None:
            abort(404)
        db.expunge(row)
        return row


LOGIN_WINDOW_S = 15 * 60
# A browser holding a device cookie for the name (set at that admin's last sign-in there) is counted
# only against that cookie: 10 failures lock that browser for the rest of the window, and nothing an
# attacker does elsewhere (per-name or per-address limits) slows or locks it.
LOGIN_FAILURES_PER_DEVICE = 10
# Every other ("untrusted") try: one name from one address, 10 tries that failed lock that pair for
# the rest of the window, the right password included; all names from one address: 50 (a sprayer);
# one name from any addresses: after 20, untrusted tries for the name are slowed to one checked per
# LOGIN_NAME_SPACING_S, a try sooner is asked to wait. Every try is counted before its password is
# checked (atomically), so simultaneous tries never get more checks than these limits.
LOGIN_FAILURES_PER_PAIR = 10
LOGIN_FAILURES_PER_ADDRESS = 50
LOGIN_FAILURES_PER_NAME = 20
LOGIN_NAME_SPACING_S = 3
_warned_forwarded_for = False
_warned_bad_address = False


def _limits() -> throttle.Limits:
    return throttle.Limits(
        window_s=LOGIN_WINDOW_S,
        per_pair=LOGIN_FAILURES_PER_PAIR,
        per_address=LOGIN_FAILURES_PER_ADDRESS,
        per_name=LOGIN_FAILURES_PER_NAME,
        name_spacing_s=LOGIN_NAME_SPACING_S,
        per_device=LOGIN_FAILURES_PER_DEVICE,
    )


def _client_address() -> str:
    """The client's address: the connection's, or, with LEADQ_TRUSTED_PROXIES set, the one ProxyFix
    took from X-Forwarded-For (a header that is otherwise ignored: anyone can send one). A value that
    is not an IP address is never used: the connection's address is (logged once per process)."""
    global _warned_forwarded_for, _warned_bad_address
    forwarded = "X-Forwarded-For" in request.headers
    if forwarded and not _warned_forwarded_for and not services().settings.trusted_proxies:
        _warned_forwarded_for = True  # once per process
        log.warning(
            "admin.forwarded-for-ignored",
            extra={"hint": "behind a reverse proxy, set LEADQ_TRUSTED_PROXIES to the number of proxies"},
        )
    address = throttle.parse_address(request.remote_addr)
    if address is not None:
        return address
    connection = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
    if not _warned_bad_address:
        _warned_bad_address = True
        log.warning(
            "admin.client-address-invalid",
            extra={"chars": len(request.remote_addr or ""), "hint": "using the connection's address"},
        )
    return throttle.parse_address(connection) or "-"


def _secret() -> str:
    return str(current_app.secret_key)


def _name_key(username: str) -> str:
    return throttle.name_key(_secret(), username)


def _take_turn(username: str) -> throttle.Turn | None:
    """Count this try and say whether its password may be checked; None: Redis is down (fail open)."""
    try:
        client = services().redis
        device = throttle.device_id(_secret(), request.cookies.get(throttle.DEVICE_COOKIE), username)
        if device is not None:
            return throttle.trusted_turn(client, device, _limits())
        return throttle.untrusted_turn(client, _name_key(username), _client_address(), _limits())
    except throttle.UNAVAILABLE:
        log.warning("admin.sign-in-throttle-unavailable")  # fail open: admins can still sign in
        return None


def _log_limits_reached(username: str, turn: throttle.Turn) -> None:
    """After a failure: log when a lock (or the slowing of a name) starts, once per window."""
    limits = _limits()
    limit_of = {
        "device": limits.per_device,
        "name-and-address": limits.per_pair,
        "address": limits.per_address,
        "name": limits.per_name,
    }
    for kind, count in turn.counts.items():
        if count != limit_of[kind]:
            continue
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


def _succeeded(turn: throttle.Turn | None) -> None:
    if turn is None:
        return
    try:
        throttle.succeeded(services().redis, turn)
    except throttle.UNAVAILABLE:
        log.warning("admin.sign-in-throttle-unavailable")


def _set_device_cookie(response: Any, admin_id: int, username: str) -> Any:
    """A new device cookie at every sign-in (OWASP: re-issued after each success)."""
    response.set_cookie(
        throttle.DEVICE_COOKIE,
        throttle.new_device_cookie(_secret(), admin_id, username),
        max_age=throttle.DEVICE_COOKIE_MAX_AGE_S,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/login",
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")[:255]
        turn = _take_turn(username)
        if turn is not None and turn.verdict == "locked":
            log.warning("admin.sign-in-refused-locked", extra={"remote": _client_address()})
            error = f"Too many failed sign-ins: try again in {(turn.wait_s + 59) // 60} minutes."
            return render_template("login.html", error=error), 429
        if turn is not None and turn.verdict == "slowed":
            wait = turn.wait_s
            error = f"Many failed sign-ins for this name: wait {wait} seconds, then try again."
            return render_template("login.html", error=error), 429, {"Retry-After": str(wait)}
        with services().sessions.begin() as db:
            # the whole password: admins.authenticate refuses one longer than a password can be set
            admin = admins.authenticate(db, username, request.form.get("password", ""))
            admin_id, name = (admin.id, admin.username) if admin else (None, "")
        if admin_id is not None:
            admin_session.begin(services(), admin_id, name)  # a fresh session, held server side
            _succeeded(turn)
            csrf_token()
            log.info(
                "admin.signed-in",
                extra={"admin": admin_id, "device": "known" if turn and "device" in turn.keys else "new"},
            )
            return _set_device_cookie(redirect(safe_next(request.args.get("next"))), admin_id, username)
        log.warning("admin.sign-in-refused", extra={"remote": _client_address()})
        if turn is not None:
            _log_limits_reached(username, turn)
        error = "Unknown username or wrong password."
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/login/switch")
def switch_account():
    """Continue or cancel signing in with a CRM while signed in as another admin."""
    from leadq.web import crm_login

    response = crm_login.confirm_switch(services())
    csrf_token()
    return response


@bp.post("/logout")
def logout():
    admin_session.end(services())
    return redirect(url_for("auth.login"))
