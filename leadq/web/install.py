"""Install: ``GET /install/hubspot`` sends the admin to HubSpot; the callback finishes the install."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, render_template_string, request

from connector.errors import CrmError
from leadq.connect import hubspot_oauth, install_hubspot
from leadq.storage.oauth_store import DbNonceStore
from oauth import state as oauth_state
from oauth.errors import OAuthError
from oauth.flows import authorize_url

bp = Blueprint("install", __name__)
log = logging.getLogger(__name__)

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ title }} - leadq</title>
def _page(title: str, message: str, status: int = 200, items: list[str] | None = None,
          failed: bool = False):  # type: ignore[no-untyped-def]
<body><h1 class="{{ 'bad' if failed else '' }}">{{ title }}</h1><p>{{ message }}</p>
{% if items %}<ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}
{% if retry %}<p><a href="{{ retry }}">Start the install again</a></p>{% endif %}</body></html>"""


def _page(title: str, message: str, status: int = 200, items: list[str] | None = None, failed: bool = False):  # type: ignore[no-untyped-def]
    retry = "/install/hubspot" if failed else None
    return render_template_string(
        PAGE, title=title, message=message, items=items or [], failed=failed, retry=retry
    ), status


def _services():  # type: ignore[no-untyped-def]
    return current_app.extensions["leadq"]


@bp.get("/install/hubspot")
def install_hubspot_start():  # type: ignore[no-untyped-def]
    services = _services()
    settings = services.settings
    if not settings.hubspot_client_id:
        return _page(
            "HubSpot is not configured",
            "Set LEADQ_HUBSPOT_CLIENT_ID and LEADQ_HUBSPOT_CLIENT_SECRET.",
            503,
            failed=True,
        )
    token = oauth_state.issue(settings.flask_secret().encode(), "hubspot")
    return redirect(authorize_url(hubspot_oauth(settings), token), code=302)


@bp.get("/oauth/hubspot/callback")
def hubspot_callback():  # type: ignore[no-untyped-def]
    services = _services()
    settings = services.settings
    if request.args.get("error"):
        log.info("hubspot.install.denied", extra={"error": request.args.get("error")})
        return _page(
            "Install cancelled",
            "leadq was not connected: the HubSpot consent was declined. Nothing was stored.",
            400,
            failed=True,
        )
    try:
        oauth_state.verify(
            settings.flask_secret().encode(),
            request.args.get("state"),
            "hubspot",
            DbNonceStore(services.sessions),
        )
    except OAuthError as exc:
        log.warning("hubspot.install.bad-state", extra={"reason": exc.reason})
        return _page("Install link not valid", str(exc), 400, failed=True)
    code = request.args.get("code")
    if not code:
        return _page(
            "Install failed", "HubSpot sent no authorization code. Nothing was stored.", 400, failed=True
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
        )
    except CrmError as exc:
        log.warning("hubspot.install.provisioning-failed", extra={"reason": exc.reason, "status": exc.status})
        return _page(
            "Install failed",
            f"leadq could not create its HubSpot properties ({exc.reason}). Nothing was stored; try again.",
            502,
            failed=True,
        )
    resume_paused(result.installation_id)
    log.info(
        "hubspot.install.done", extra={"installation": result.installation_id, "portal": result.portal_id}
    )
    items = [f"created {c}" for c in result.created] + [
        f"not changed: {m}" for m in result.conflicts.values()
    ]
    return _page(
        "leadq is connected to HubSpot",
        f"Account {result.portal_id} is installed. leadq's properties are in the 'leadq' property group.",
        200,
        items,
    )


def resume_paused(installation_id: int) -> None:
    """Events kept while the installation needed re-authorization are handed to the workers now."""
    from sqlalchemy import select, update

    from leadq.storage.tables import ProcessedEvent

    services = _services()
    with services.sessions.begin() as session:
        keys = list(
            session.scalars(
                select(ProcessedEvent.event_key).where(
                    ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == "paused"
                )
            )
        )
        if keys:
            session.execute(
                update(ProcessedEvent)
                .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.event_key.in_(keys))
                .values(status="queued")
            )
    if keys:
        services.enqueue(installation_id, keys)
