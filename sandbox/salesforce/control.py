"""Sandbox-only steering for the Salesforce side, under ``/_sandbox/salesforce``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, request


def register(app: Flask, sandbox: Any) -> None:
    @app.before_request
    def _area() -> None:
        if request.path.startswith("/_sandbox/salesforce"):
            g.area = "control"

    def org_or_404(org_id: str) -> Any:
        return sandbox.orgs.get(org_id)

    @app.post("/_sandbox/salesforce/orgs/<org_id>/ui-edit")
    def sf_ui_edit(org_id: str) -> Response:
        """A user edits a record in Salesforce's UI (field history records the user)."""
        org = org_or_404(org_id)
        data = request.get_json(silent=True) or {}
        if org is None:
            return jsonify(error="unknown org"), 404
        sobject, record_id = str(data.get("sobject", "")), str(data.get("id", ""))
        if sobject not in org.schema or org.get(sobject, record_id) is None:
            return jsonify(error="unknown record"), 404
        user = str(
            data.get("userId")
            or next(u["Id"] for u in org.live("User") if u["Id"] != org.admin_user_id and u["IsActive"])
        )
        if data.get("when") == "before-next-write":  # lands after the app's read, before its write
            with org.lock:
                org.edits_before_write[record_id] = (sobject, dict(data.get("fields") or {}), user)
            return jsonify(queued=sorted(data.get("fields") or {}))
        changed, problems = org.update(sobject, record_id, data.get("fields") or {}, user, trusted=True)
        if problems:
            return jsonify(error=[p.as_json() for p in problems]), 400
        return jsonify(changed=changed)

    @app.post("/_sandbox/salesforce/orgs/<org_id>/create")
    def sf_create(org_id: str) -> Response:
        org = org_or_404(org_id)
        data = request.get_json(silent=True) or {}
        if org is None or data.get("sobject") not in org.schema:
            return jsonify(error="unknown org or sobject"), 404
        record, problems = org.create(
            str(data["sobject"]), data.get("fields") or {}, org.admin_user_id, trusted=True
        )
        if problems:
            return jsonify(error=[p.as_json() for p in problems]), 400
        return jsonify(id=record["Id"])

    @app.route("/_sandbox/salesforce/orgs/<org_id>/outbound", methods=["POST", "DELETE"])
    def sf_outbound(org_id: str) -> Response:
        if org_or_404(org_id) is None:
            return jsonify(error="unknown org"), 404
        if request.method == "DELETE":
            sandbox.outbound.configs.pop(org_id, None)
            return jsonify(removed=org_id)
        data = request.get_json(silent=True) or {}
        fields = data.get("fields") or {
            "Lead": ["Email", "LastModifiedById", "SystemModstamp"],
            "Contact": ["Email", "LastModifiedById", "SystemModstamp"],
        }
        config = sandbox.outbound.configure(org_id, str(data.get("url", "")), fields)
        return jsonify(action_id=config.action_id)

    @app.post("/_sandbox/salesforce/outbound/pump")
    def sf_outbound_pump() -> Response:
        return jsonify(started=sandbox.outbound.pump(), pending=sandbox.outbound.pending_count())

    @app.get("/_sandbox/salesforce/outbound/deliveries")
    def sf_outbound_deliveries() -> Response:
        return jsonify([d.__dict__ for d in sandbox.outbound.deliveries])

    @app.post("/_sandbox/salesforce/orgs/<org_id>/expire-sessions")
    def sf_expire(org_id: str) -> Response:
        sandbox.sf_oauth.expire_sessions(org_id)
        return jsonify(expired=org_id)

    @app.post("/_sandbox/salesforce/orgs/<org_id>/revoke")
    def sf_revoke_all(org_id: str) -> Response:
        sandbox.sf_oauth.revoke_org(org_id)
        return jsonify(revoked=org_id)

    @app.post("/_sandbox/salesforce/orgs/<org_id>/api-budget")
    def sf_budget(org_id: str) -> Response:
        org = org_or_404(org_id)
        if org is None:
            return jsonify(error="unknown org"), 404
        data = request.get_json(silent=True) or {}
        with org.lock:
            if "max" in data:
                org.api_max = int(data["max"])
            if "used" in data:
                org.api_used = int(data["used"])
        return jsonify(used=org.api_used, max=org.api_max)

    @app.get("/_sandbox/salesforce/orgs/<org_id>/truth")
    def sf_truth(org_id: str) -> Response:
        known = sandbox.sf_truth.get(org_id)
        if known is None:
            return jsonify(error="unknown org"), 404
        return jsonify(propensity=known.propensity, won=known.won)
