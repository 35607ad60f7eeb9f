"""HubSpot's answers, shaped as its v3 objects, v3 pipelines and v4 associations APIs return them."""

from __future__ import annotations

from typing import Any

STAMP = "2026-11-02T10:00:00.000Z"
LEADS = "/crm/v3/objects/leads"
PIPELINES = "/crm/v3/pipelines/leads"


def assoc_path(from_type: str, to_type: str) -> str:
    return f"/crm/v4/associations/{from_type}/{to_type}/batch/read"


def stage(stage_id: str, label: str, order: int, **metadata: str) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "archived": False,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipeline(pipeline_id: str, order: int, stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": pipeline_id,
        "label": pipeline_id,
        "displayOrder": order,
        "archived": False,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "stages": stages,
    }


# HubSpot's default lead pipeline, as a portal with Leads has it.
DEFAULT_PIPELINE = pipeline(
    "lead-pipeline-id",
    0,
    [
        stage("new-stage-id", "New", 0, isClosed="false"),
        stage("attempting-stage-id", "Attempting", 1, isClosed="false"),
        stage("connected-stage-id", "Connected", 2, isClosed="false"),
        stage("qualified-stage-id", "Qualified", 3, isClosed="true"),
        stage("unqualified-stage-id", "Disqualified", 4, isClosed="true"),
    ],
)


def pipelines(*items: dict[str, Any]) -> dict[str, Any]:
    return {"results": list(items or [DEFAULT_PIPELINE])}


def lead(lead_id: str, stage_id: str = "new-stage-id", **props: str) -> dict[str, Any]:
    properties = {
        "hs_lead_name": f"Lead {lead_id}",
        "hs_pipeline": "lead-pipeline-id",
        "hs_pipeline_stage": stage_id,
        "hs_lastmodifieddate": STAMP,
        "hs_createdate": STAMP,
        "hs_object_id": lead_id,
        **props,
    }
    return {
        "id": lead_id,
        "properties": properties,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "archived": False,
    }


def batch(results: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": STAMP,
        "completedAt": STAMP,
    }
    if errors:
        body["errors"], body["numErrors"] = errors, len(errors)
    return body


def links(pairs: dict[str, list[tuple[str, int]]]) -> dict[str, Any]:
    """A v4 batch read's answer: each source id's targets with one association type each."""
    return batch(
        [
            {
                "from": {"id": source},
                "to": [
                    {
                        "toObjectId": int(target),
                        "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": t}],
                    }
                    for target, t in targets
                ],
            }
            for source, targets in pairs.items()
        ]
    )


def ids_sent(body: dict[str, Any]) -> list[str]:
    return [str(i["id"]) for i in body["inputs"]]
