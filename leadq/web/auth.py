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
    g.admin_id = session.get("admin_id")
    g.admin_name = session.get("admin_name")


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
LOGIN_FAILURES_PER_USER = 10  # then the name is locked for the rest of the window, right password or not
LOGIN_FAILURES_PER_ADDRESS = 50


def _throttle_keys(username: str) -> list[tuple[str, int]]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"leadq:login:user:{name}", LOGIN_FAILURES_PER_USER),
        (f"leadq:login:addr:{request.remote_addr or '-'}", LOGIN_FAILURES_PER_ADDRESS),
    ]


def _locked_for(username: str) -> int:
    """Seconds until sign-in may be tried again for this name or address (0: now)."""
    try:
        client = services().redis
        for key, limit in _throttle_keys(username):
            if int(client.get(key) or 0) >= limit:
                return max(1, int(client.ttl(key)))
    except redis.RedisError:
        log.warning("admin.sign-in-throttle-unavailable")  # fail open: admins can still sign in
    return 0


def _count_failure(username: str) -> None:
    try:
        pipe = services().redis.pipeline()
        for key, _limit in _throttle_keys(username):
            pipe.incr(key)
            pipe.expire(key, LOGIN_WINDOW_S, nx=True)
        pipe.execute()
    except redis.RedisError:
        log.warning("admin.sign-in-throttle-unavailable")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")[:255]
        wait = _locked_for(username)
        if wait:
            log.warning("admin.sign-in-locked", extra={"remote": request.remote_addr})
            error = f"Too many failed sign-ins: try again in {(wait + 59) // 60} minutes."
            return render_template("login.html", error=error), 429
        with services().sessions.begin() as db:
            admin = admins.authenticate(db, username, request.form.get("password", "")[:1024])
            admin_id, name = (admin.id, admin.username) if admin else (None, None)
        if admin_id is not None:
            session.clear()  # a fresh session on sign-in: nothing carried over from before
            session.permanent = True
            session["admin_id"], session["admin_name"] = admin_id, name
            csrf_token()
            log.info("admin.signed-in", extra={"admin": admin_id})
            return redirect(safe_next(request.args.get("next")))
        log.warning("admin.sign-in-refused", extra={"remote": request.remote_addr})
        _count_failure(username)
        error = "Unknown username or wrong password."
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    session.clear()
    return redirect(url_for("auth.login"))
