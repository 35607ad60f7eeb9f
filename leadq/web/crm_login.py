"""Admin sign-in through the CRM's own OAuth: the user who installed leadq, or a CRM user an admin
allowed (`leadq admin allow`). The same callback URLs as the install serve it (a CRM app has one
registered redirect); the signed state's purpose tells the two apart. The tokens of a sign-in are
used only to learn who signed in, then revoked: nothing of them is stored.

A browser already signed in as another admin is asked first ("You are signed in as demo. Sign in as
hubspot:...?"): the CRM user waits in the session until the admin continues (a POST with the CSRF
token, within ``SWITCH_TTL_S``) or cancels; nothing switches silently.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import flash, g, redirect, render_template, request, session

from leadq.web import admin_session
from storage import admins

log = logging.getLogger(__name__)
HUBSPOT, SALESFORCE = "hubspot-login", "salesforce-login"
SWITCH_KEY = "crm_switch"
SWITCH_TTL_S = 300


def purpose_of(state: str | None) -> str:
    """The (not yet verified) purpose field of a state token; verification follows in the handler."""
    parts = (state or "").split(".")
    return parts[2] if len(parts) == 5 else ""


def start_hubspot(services: Any) -> Any:
    from leadq.web import oauth_binding
    from oauth.hubspot import authorize_url
    from workers.services.connections import hubspot_oauth

    token = oauth_binding.begin(HUBSPOT)
    return redirect(authorize_url(hubspot_oauth(services.settings), token), code=302)


def start_salesforce(services: Any) -> Any:
    from leadq.web import oauth_binding
    from oauth import salesforce as sf_flows
    from workers.services.connections import salesforce_oauth

    env = "sandbox" if request.args.get("env") == "sandbox" else "production"
    token, verifier = oauth_binding.begin_with_pkce(SALESFORCE, extra=env)
    url = sf_flows.authorize_url(salesforce_oauth(services.settings), token, verifier, env)
    return redirect(url, code=302)


def _hubspot_user(settings: Any, purpose: str, code: str) -> tuple[str, str]:
    from leadq.web import oauth_binding
    from workers.services.install import hubspot_user

    oauth_binding.complete(purpose)
    return hubspot_user(settings, code)


def _salesforce_user(settings: Any, purpose: str, code: str) -> tuple[str, str]:
    from leadq.web import oauth_binding
    from workers.services.install import salesforce_user

    data, verifier = oauth_binding.complete_with_pkce(purpose)
    return salesforce_user(settings, code, verifier, data.extra)


# purpose -> (CRM, who signed in: verifies the state, exchanges the code, revokes the tokens)
SIGN_INS = {HUBSPOT: ("hubspot", _hubspot_user), SALESFORCE: ("salesforce", _salesforce_user)}


def finish(services: Any, purpose: str, page: Any) -> Any:
    """Verify the state (started by this browser), learn the CRM user, revoke the sign-in's
    tokens, sign the admin in."""
    from oauth.errors import OAuthError

    crm, signed_in = SIGN_INS[purpose]
    if request.args.get("error"):
        return page("Sign-in cancelled", "The CRM's consent was declined.", 400)
    try:
        tenant, user = signed_in(services.settings, purpose, request.args.get("code") or "")
    except OAuthError as exc:
        log.warning("admin.crm-sign-in-failed", extra={"crm": crm, "reason": exc.reason})
        return page("Sign-in failed", str(exc), 400)
    admin_id, name = _allowed(services, crm, tenant, user)
    if admin_id is None:
        log.warning("admin.crm-user-not-allowed", extra={"crm": crm, "tenant": tenant})
        return page(
            "Not allowed",
            f"This {crm} user ({user} in {tenant}) may not manage leadq. The user who installed leadq may; "
            f"an admin can allow others with `leadq admin allow INSTALLATION {user}`.",
            403,
        )
    if g.get("admin_id") and g.admin_id != admin_id:  # signed in as someone else: ask first
        session[SWITCH_KEY] = {"crm": crm, "tenant": tenant, "user": user, "at": time.time()}
        return render_template("login.html", switch={"current": g.admin_name, "to": name}), 200
    admin_session.begin(services, admin_id, name)  # held server side: logout and removal end it
    log.info("admin.signed-in", extra={"admin": admin_id, "via": crm})
    return redirect("/", code=302)


def _allowed(services: Any, crm: str, tenant: str, user: str) -> tuple[int | None, str]:
    """The admin this CRM user signs in as, (None, "") when the user may not manage leadq."""
    with services.sessions.begin() as db:
        admin = admins.by_crm_user(db, crm, tenant, user)
        return (admin.id, admin.username) if admin else (None, "")


def confirm_switch(services: Any) -> Any:
    """The answer to "Sign in as ...?": Continue switches (the CRM user is checked again), anything
    else, or a question older than ``SWITCH_TTL_S``, keeps the current admin."""
    pending = session.pop(SWITCH_KEY, None)
    fresh = isinstance(pending, dict) and time.time() - float(pending.get("at", 0)) < SWITCH_TTL_S
    if request.form.get("action") != "continue" or not fresh:
        if g.get("admin_id"):
            expired = "" if fresh or pending is None else "That sign-in expired. "
            flash(f"{expired}You are still signed in as {g.admin_name}.")
        return redirect("/", code=302)
    admin_id, name = _allowed(services, pending["crm"], pending["tenant"], pending["user"])
    if admin_id is None:
        flash("That CRM user may no longer manage leadq: nothing was changed.")
        return redirect("/", code=302)
    admin_session.begin(services, admin_id, name)
    log.info("admin.signed-in", extra={"admin": admin_id, "via": pending["crm"], "switched": True})
    return redirect("/", code=302)
