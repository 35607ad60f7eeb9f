"""Sandbox-only endpoints under ``/_sandbox``: what a test, bench or demo needs to steer it.

None of these exist in a real CRM; they let a separate process act as a rep in
the UI, uninstall the app, inject faults, read the request log or the truth.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask, Response, g, jsonify, request

from sandbox.hubspot import creation
from sandbox.hubspot.guard import resolve_type
from sandbox.hubspot.store import Portal, Source


def _rep(portal: Portal, user_id: Any) -> Source:
    """A rep working in HubSpot's UI (the first active owner unless ``userId`` names one)."""
    owner = next(o for o in portal.owners if not o["archived"])
    chosen = int(user_id or owner["userId"])
    return Source("CRM_UI", f"userId:{chosen}", user_id=chosen)


def register(app: Flask, sandbox: Any) -> None:
    @app.before_request
    def _area() -> None:
        if request.path.startswith("/_sandbox"):
            g.area = "control"

    @app.get("/_sandbox/info")
    def info() -> Response:
        return jsonify(sandbox.describe())

    @app.post("/_sandbox/hubspot/portals/<int:portal_id>/ui-edit")
    def ui_edit(portal_id: int) -> Response:
        """A rep edits a record in HubSpot's UI (sourceType CRM_UI); with ``"when":
        "before-next-write"`` the edit lands just before the app's next write to that record."""
        portal = sandbox.portals.get(portal_id)
        data = request.get_json(silent=True) or {}
        object_type = resolve_type(str(data.get("objectType", "")))
        if portal is None or object_type is None:
            return jsonify(error="unknown portal or objectType"), 404
        record = portal.get(object_type, str(data.get("id", "")))
        if record is None:
            return jsonify(error="unknown record"), 404
        props = {k: "" if v is None else str(v) for k, v in (data.get("properties") or {}).items()}
        problems = portal.validate(object_type, props)
        if problems:
            return jsonify(error=[dataclasses.asdict(p) for p in problems]), 400
        source = _rep(portal, data.get("userId"))
        if data.get("when") == "before-next-write":  # lands after the app's read, before its write
            with portal.lock:
                portal.edits_before_write[(object_type, record.id)] = (props, source)
            return jsonify(queued=sorted(props))
        changes = portal.update(object_type, record.id, props, source)
        return jsonify(changed=[c[0] for c in changes])

    @app.post("/_sandbox/hubspot/portals/<int:portal_id>/ui-create")
    def ui_create(portal_id: int) -> Response:
        """A rep creates a record in HubSpot's UI (a lead needs its contact, as through the API):
        ``{"objectType": "leads", "properties": {...}, "associations": [HubSpot's create shape]}``."""
        portal = sandbox.portals.get(portal_id)
        data = request.get_json(silent=True) or {}
        object_type = resolve_type(str(data.get("objectType", "")))
        if portal is None or object_type is None:
            return jsonify(error="unknown portal or objectType"), 404
        props = {k: "" if v is None else str(v) for k, v in (data.get("properties") or {}).items()}
        problems = portal.validate(object_type, props)
        if problems:
            return jsonify(error=[dataclasses.asdict(p) for p in problems]), 400
        links = creation.check(portal, object_type, props, data.get("associations"))
        if isinstance(links, Response):
            return links
        with portal.lock:
            record = portal.create(object_type, props, _rep(portal, data.get("userId")))
            creation.link(portal, object_type, record.id, links)
        return jsonify(id=record.id), 201

    @app.post("/_sandbox/hubspot/portals/<int:portal_id>/uninstall")
    def uninstall(portal_id: int) -> Response:
        sandbox.oauth.revoke_portal(portal_id)
        return jsonify(uninstalled=portal_id)

    @app.post("/_sandbox/hubspot/portals/<int:portal_id>/expire-tokens")
    def expire(portal_id: int) -> Response:
        sandbox.oauth.expire_access_tokens(portal_id)
        return jsonify(expired=portal_id)

    @app.get("/_sandbox/hubspot/portals/<int:portal_id>/truth")
    def truth(portal_id: int) -> Response:
        known = sandbox.truth.get(portal_id)
        if known is None:
            return jsonify(error="unknown portal"), 404
        return jsonify(
            propensity=known.propensity,
            won=known.won,
            competitor_domains=list(known.competitor_domains),
            leads=known.leads,
        )

    @app.route("/_sandbox/faults", methods=["GET", "POST"])
    def faults() -> Response:
        if request.method == "POST":
            try:
                sandbox.faults.update(**(request.get_json(silent=True) or {}))
            except (ValueError, TypeError) as exc:
                return jsonify(error=str(exc)), 400
        f = sandbox.faults
        return jsonify(rate_429=f.rate_429, rate_5xx=f.rate_5xx, latency_ms=f.latency_ms)

    @app.get("/_sandbox/requests")
    def requests_log() -> Response:
        since = int(request.args.get("since", "0"))
        entries = sandbox.log.entries()[since:]
        return jsonify(
            total=len(sandbox.log),
            entries=[{k: v for k, v in dataclasses.asdict(e).items() if k != "headers"} for e in entries],
        )

    @app.post("/_sandbox/webhooks/pump")
    def pump() -> Response:
        return jsonify(started=sandbox.webhooks.pump(), pending=sandbox.webhooks.pending_count())
