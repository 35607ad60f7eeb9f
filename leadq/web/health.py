"""Liveness and readiness: is the process up, can it reach its database."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from storage.probe import database_reachable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    if not database_reachable(current_app.extensions["leadq"].engine):
        current_app.logger.warning("health.database-unreachable")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
