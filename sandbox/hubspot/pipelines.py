"""Pipelines (read): the deal pipeline and the default lead pipeline, with their stages.

A stage's ``metadata`` tells open stages from closed ones: deals carry ``isClosed`` and
``probability``; lead stages carry ``isClosed`` and ``leadState`` (OPEN, QUALIFIED or
DISQUALIFIED); docs/sandbox.md (Leads) says which of this is confirmed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify

from sandbox.hubspot import errors, schema
from sandbox.hubspot.guard import guarded, resolve_type
from sandbox.hubspot.store import Portal

STAMP = "2019-01-01T00:00:00.000Z"
LEADS_STAMP = "2024-01-01T00:00:00.000Z"


def _stage(stage_id: str, label: str, order: int, metadata: dict[str, str], stamp: str) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "archived": False,
        "metadata": metadata,
        "createdAt": stamp,
        "updatedAt": stamp,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipelines_of(object_type: str | None) -> list[dict[str, Any]]:
    """The pipelines HubSpot gives a new account for this object type (none for contacts)."""
    if object_type == "deals":
        stages = [
            _stage(sid, label, i, {"isClosed": closed, "probability": prob}, STAMP)
            for i, (sid, label, prob, closed) in enumerate(schema.DEAL_STAGES)
        ]
        pipeline_id, label, stamp = "default", "Sales Pipeline", STAMP
    elif object_type == "leads":
        stages = [
            _stage(sid, label, i, {"isClosed": closed, "leadState": state}, LEADS_STAMP)
            for i, (sid, label, state, closed) in enumerate(schema.LEAD_STAGES)
        ]
        pipeline_id, label, stamp = schema.LEAD_PIPELINE_ID, "Lead pipeline", LEADS_STAMP
    else:
        return []
    return [
        {
            "id": pipeline_id,
            "label": label,
            "displayOrder": 0,
            "archived": False,
            "stages": stages,
            "createdAt": stamp,
            "updatedAt": stamp,
        }
    ]


def _scopes(object_type: str = "deals", **_: Any) -> tuple[str, ...]:
    resolved = resolve_type(object_type)
    return ("crm.objects.leads.read",) if resolved == "leads" else ("crm.objects.deals.read",)


def _missing(kind: str, wanted: str) -> Response:
    return errors.error(404, f"Unable to find {kind} {wanted}", "OBJECT_NOT_FOUND")


def register(app: Flask, sandbox: Any) -> None:
    base = "/crm/v3/pipelines/<object_type>"

    @app.get(base, endpoint="hs_pipelines")
    @guarded(sandbox, scopes=_scopes)
    def pipelines(portal: Portal, grant: Any, object_type: str) -> Response:
        return jsonify({"results": pipelines_of(resolve_type(object_type))})

    @app.get(base + "/<pipeline_id>", endpoint="hs_pipeline")
    @guarded(sandbox, scopes=_scopes)
    def pipeline(portal: Portal, grant: Any, object_type: str, pipeline_id: str) -> Response:
        found = [p for p in pipelines_of(resolve_type(object_type)) if p["id"] == pipeline_id]
        return jsonify(found[0]) if found else _missing("pipeline", pipeline_id)

    @app.get(base + "/<pipeline_id>/stages", endpoint="hs_pipeline_stages")
    @guarded(sandbox, scopes=_scopes)
    def stages(portal: Portal, grant: Any, object_type: str, pipeline_id: str) -> Response:
        found = [p for p in pipelines_of(resolve_type(object_type)) if p["id"] == pipeline_id]
        return jsonify({"results": found[0]["stages"]}) if found else _missing("pipeline", pipeline_id)

    @app.get(base + "/<pipeline_id>/stages/<stage_id>", endpoint="hs_pipeline_stage")
    @guarded(sandbox, scopes=_scopes)
    def stage(portal: Portal, grant: Any, object_type: str, pipeline_id: str, stage_id: str) -> Response:
        found = [
            s
            for p in pipelines_of(resolve_type(object_type))
            if p["id"] == pipeline_id
            for s in p["stages"]
            if s["id"] == stage_id
        ]
        return jsonify(found[0]) if found else _missing("stage", stage_id)
