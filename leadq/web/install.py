"""Install: ``GET /install/hubspot`` sends the admin to HubSpot; the callback finishes the install."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from connector.errors import CrmError
from connector.registry import provider
from leadq.web import oauth_binding
from oauth.errors import OAuthError
from oauth.hubspot import authorize_url
from storage import cursors
from storage import events as event_store
from storage.statuses import CursorStatus
from workers import dispatch
from workers.services.connections import hubspot_oauth, salesforce_oauth
from workers.services.install import InstallResult, install_hubspot, install_salesforce

bp = Blueprint("install", __name__)
log = logging.getLogger(__name__)


def _page(
    title: str,
    message: str,
    status: int = 200,
    items: list[str] | None = None,
    failed: bool = False,
    crm: str = "hubspot",
    todo: str | None = None,
    installation_id: int | None = None,
    retry: bool = True,
):
    """An install result page in the app's layout: what happened, what to do next (``todo``), a way
    to start again where that can help, and links back into the app."""
    links = []
    if installation_id is not None:
        links.append(
            ("Open the installation", url_for("admin.installation", installation_id=installation_id))
        )
    if failed and retry:
        links.append((f"Start the {provider(crm).label} install again", f"/install/{crm}"))
    links.append(("Back to installations", "/"))
    return render_template(
        "install.html", title=title, message=message, items=items or [], failed=failed, todo=todo, links=links
    ), status


def _not_configured(crm: str):
    """An install (or CRM sign-in) for a CRM leadq has no app for: how to configure it, no loop."""
    label = provider(crm).label
    prefix = f"LEADQ_{crm.upper()}"
    return _page(
        f"{label} is not configured",
        f"leadq has no {label} app to connect through: its client id and secret are not set.",
        503,
        failed=True,
        crm=crm,
        retry=False,
        todo=f"Set {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET in leadq's environment (from your {label} "
        "app's settings; docs/deployment.md says how to register the app), then restart leadq "
        f"and connect {label} from the installations page.",
    )


def configured(settings: object, crm: str) -> bool:
    """leadq holds the client id and secret of its app in this CRM."""
    client_id = getattr(settings, f"{crm}_client_id", "")
    secret = getattr(settings, f"{crm}_client_secret", None)
    return bool(client_id) and bool(secret is not None and secret.get_secret_value())


def configured_crms(settings: object) -> list[str]:
    """The CRMs leadq offers to connect and to sign in with: those whose app it is configured for."""
    return [crm for crm in ("hubspot", "salesforce") if configured(settings, crm)]


def _services():
    return current_app.extensions["leadq"]


@bp.get("/install/hubspot")
def install_hubspot_start():
    services = _services()
    settings = services.settings
    if not configured(settings, "hubspot"):
        return _not_configured("hubspot")
    token = oauth_binding.begin("hubspot")
    return redirect(authorize_url(hubspot_oauth(settings), token), code=302)


@bp.get("/login/hubspot")
def login_hubspot():
    from leadq.web import crm_login

    if not configured(_services().settings, "hubspot"):
        return _not_configured("hubspot")
    return crm_login.start_hubspot(_services())


@bp.get("/login/salesforce")
def login_salesforce():
    from leadq.web import crm_login

    if not configured(_services().settings, "salesforce"):
        return _not_configured("salesforce")
    return crm_login.start_salesforce(_services())


def _sign_in_page(title: str, message: str, status: int, todo: str | None = None):
    return render_template(
        "install.html",
        title=title,
        message=message,
        items=[],
        failed=status >= 400,
        todo=todo,
        links=[("Back to sign-in", "/login")] if status >= 400 else [],
    ), status


def _todo(reason: str, crm: str) -> str:
    """What to do after an OAuth failure of this kind."""
    label = provider(crm).label
    return {
        "provider-down": f"{label} could not be reached or answered with an error: wait a few minutes, "
        "then start the install again.",
        "invalid-grant": f"{label} refused the authorization (it is good for a few minutes, and once): "
        "start the install again.",
        "invalid-state": "Start the install again from leadq's installations page, in this same browser.",
        "declined": f"To connect leadq, start the install again and allow access on {label}'s consent page.",
    }.get(
        reason,
        f"Start the install again; if it fails the same way, check that leadq's client id and secret "
        f"are those of your {label} app.",
    )


@bp.get("/oauth/hubspot/callback")
def hubspot_callback():
    from leadq.web import crm_login

    services = _services()
    settings = services.settings
    if crm_login.purpose_of(request.args.get("state")) == crm_login.HUBSPOT:
        return crm_login.finish(services, crm_login.HUBSPOT, _sign_in_page)
    if request.args.get("error"):
        log.info("hubspot.install.denied", extra={"error": request.args.get("error")})
        return _page(
            "Install cancelled",
            "leadq was not connected: the HubSpot consent was declined. Nothing was stored.",
            400,
            failed=True,
            todo=_todo("declined", "hubspot"),
        )
    try:
        oauth_binding.complete("hubspot")
    except OAuthError as exc:
        log.warning("hubspot.install.bad-state", extra={"reason": exc.reason})
        return _page("Install link not valid", str(exc), 400, failed=True, todo=_todo(exc.reason, "hubspot"))
    code = request.args.get("code")
    if not code:
        return _page(
            "Install failed",
            "HubSpot sent no authorization code. Nothing was stored.",
            400,
            failed=True,
            todo=_todo("no-code", "hubspot"),
        )
    try:
        result = install_hubspot(settings, services.sessions, services.vault, code, services.limiter)
    except OAuthError as exc:
        log.warning("hubspot.install.exchange-failed", extra={"reason": exc.reason})
        return _page(
            "Install failed",
            f"{exc} Nothing was stored.",
            502 if exc.reason == "provider-down" else 400,
            failed=True,
            todo=_todo(exc.reason, "hubspot"),
        )
    except CrmError as exc:
        log.warning("hubspot.install.provisioning-failed", extra={"reason": exc.reason, "status": exc.status})
        return _page(
            "Install failed",
            f"leadq could not create its HubSpot properties ({exc.reason}). Nothing was stored.",
            502,
            failed=True,
            todo="Install as a HubSpot Super Admin (leadq creates properties), then start the install again.",
        )
    return _finished(
        result,
        "hubspot",
        "leadq is connected to HubSpot",
        f"Account {result.tenant_id} is installed. leadq's properties are in the 'leadq' property group.",
    )


@bp.get("/install/salesforce")
def install_salesforce_start():
    """``?env=sandbox`` logs in at test.salesforce.com (a Salesforce sandbox org)."""
    from oauth import salesforce as sf_flows

    settings = _services().settings
    if not configured(settings, "salesforce"):
        return _not_configured("salesforce")
    env = "sandbox" if request.args.get("env") == "sandbox" else "production"
    token, verifier = oauth_binding.begin_with_pkce("salesforce", extra=env)
    hint = request.args.get("login_hint", "")[:200]
    url = sf_flows.authorize_url(salesforce_oauth(settings), token, verifier, env, login_hint=hint or None)
    return redirect(url, code=302)


@bp.get("/oauth/salesforce/callback")
def salesforce_callback():
    from leadq.web import crm_login

    services = _services()
    settings = services.settings
    if crm_login.purpose_of(request.args.get("state")) == crm_login.SALESFORCE:
        return crm_login.finish(services, crm_login.SALESFORCE, _sign_in_page)

    def failed(title: str, message: str, status: int, reason: str = ""):
        return _page(title, message, status, failed=True, crm="salesforce", todo=_todo(reason, "salesforce"))

    if request.args.get("error"):
        log.info("salesforce.install.denied", extra={"error": request.args.get("error")})
        return failed(
            "Install cancelled",
            "leadq was not connected: Salesforce answered "
            f"{request.args.get('error')} ({request.args.get('error_description', '')}). Nothing was stored.",
            400,
            "declined",
        )
    try:
        data, verifier = oauth_binding.complete_with_pkce("salesforce")
    except OAuthError as exc:
        log.warning("salesforce.install.bad-state", extra={"reason": exc.reason})
        return failed("Install link not valid", str(exc), 400, exc.reason)
    code = request.args.get("code")
    if not code:
        return failed("Install failed", "Salesforce sent no authorization code. Nothing was stored.", 400)
    try:
        result = install_salesforce(settings, services.sessions, services.vault, code, verifier, data.extra)
    except OAuthError as exc:
        log.warning("salesforce.install.exchange-failed", extra={"reason": exc.reason})
        return failed(
            "Install failed",
            f"{exc} Nothing was stored.",
            502 if exc.reason == "provider-down" else 400,
            exc.reason,
        )
    except CrmError as exc:
        log.warning(
            "salesforce.install.provisioning-failed", extra={"reason": exc.reason, "status": exc.status}
        )
        status = 403 if exc.reason == "forbidden" else 502
        return _page(
            "Install failed",
            f"leadq could not set up its Salesforce fields: {exc} Nothing was stored.",
            status,
            failed=True,
            crm="salesforce",
            todo="Install as a Salesforce admin (with 'Customize Application' and 'Manage Profiles and "
            "Permission Sets'), then start the install again."
            if exc.reason == "forbidden"
            else _todo("provider-down", "salesforce"),
        )
    return _finished(
        result,
        "salesforce",
        "leadq is connected to Salesforce",
        f"Organization {result.tenant_id} is installed. leadq's fields are on Lead, Contact and Account, "
        "readable and editable through the 'LeadQ_Integration' permission set.",
        outbound_setup_steps,
    )


def _finished(
    result: InstallResult,
    crm: str,
    title: str,
    message: str,
    more_steps: Callable[[int], list[str]] | None = None,
):
    """The shared end of both install callbacks: grant, resume the paused work, log, report."""
    grant_to_signed_in_admin(result.installation_id)
    resume_paused(result.installation_id)
    log.info(
        f"{crm}.install.done",
        extra={"installation": result.installation_id, provider(crm).tenant_name: result.tenant_id},
    )
    items = [f"created {c}" for c in result.created] + [
        f"not changed: {m}" for m in result.conflicts.values()
    ]
    if more_steps is not None:
        items += more_steps(result.installation_id)
    return _page(title, message, 200, items, installation_id=result.installation_id)


def outbound_setup_steps(installation_id: int) -> list[str]:
    """The Salesforce setup steps for changes within seconds, with this installation's own
    outbound-message endpoint URL (its secret is made here at the first install, kept on reinstall)."""
    from storage import outbound_secrets

    services = _services()
    with services.sessions.begin() as session:
        secret = outbound_secrets.ensure(session, services.vault, installation_id)
    url = outbound_secrets.endpoint_url(services.settings.public_base_url, secret)
    return [
        "Optional, to score changes within seconds (leadq also polls every "
        f"{services.settings.salesforce_poll_interval_s:g} s): in Salesforce Setup, Outbound Messages, "
        "add one on Lead, one on Contact and one on Account, sending Id, LastModifiedById and "
        f"SystemModstamp, with this Endpoint URL: {url}",
        "That URL holds a secret of this organization's installation: keep it private. It is shown "
        "again on the installation's page in the admin app; a message sent anywhere else is refused.",
    ]


def grant_to_signed_in_admin(installation_id: int) -> None:
    """The admin who connected a CRM from the admin app may manage that installation, and so may
    the CRM user who installed it (signing in through the CRM's OAuth)."""
    from flask import session

    from storage import admins, installations

    admin_id = session.get("admin_id")
    with _services().sessions.begin() as db:
        if admin_id:
            admins.grant(db, admin_id, installation_id)
        row = installations.get(db, installation_id)
        if row is not None and row.installed_by:
            admins.allow_crm_user(db, row.crm_kind, row.tenant_id, row.installed_by, installation_id)


RESUME_CHUNK = 1000


def resume_paused(installation_id: int) -> None:
    """Events kept while the installation needed re-authorization are handed to the workers now.

    The status flips by installation in one statement (no list of keys: PostgreSQL allows 65,535
    bind parameters), then the keys go to the workers in messages of ``RESUME_CHUNK`` (a worker
    handles every queued change of the installation, whichever message woke it)."""
    services = _services()
    with services.sessions.begin() as session:
        keys = event_store.resume_paused(session, installation_id)
    for start in range(0, len(keys), RESUME_CHUNK):
        try:
            services.enqueue(installation_id, keys[start : start + RESUME_CHUNK])
        except Exception:  # queued in the database: the watchdog hands them over once the broker is back
            log.exception("install.resume-enqueue-failed", extra={"installation": installation_id})
            break
    if keys:
        log.info("install.resumed", extra={"installation": installation_id, "events": len(keys)})
    _resume_backfills(installation_id)


def _resume_backfills(installation_id: int) -> None:
    """A backfill cut off by the revoked access continues from its checkpoint (the watchdog would
    also find it, later)."""
    services = _services()
    with services.sessions() as session:
        objects = [
            row.object_type
            for row in cursors.named(session, installation_id, cursors.BACKFILL)
            if row.status == CursorStatus.RUNNING
        ]
    for object_type in objects:
        try:
            dispatch.enqueue_backfill(services.celery, installation_id, object_type=object_type, resume=True)
        except Exception:  # the watchdog requeues it once the broker is reachable
            log.exception("install.backfill-resume-failed", extra={"installation": installation_id})
