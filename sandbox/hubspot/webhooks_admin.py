"""The app's webhook settings and subscriptions API (developer API key, ``hapikey``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, request

from sandbox.hubspot import errors, schema
from sandbox.hubspot.guard import resolve_type
from sandbox.hubspot.store import iso_ms
from sandbox.hubspot.webhooks import EVENT_TYPES, WebhookHub


def register(app: Flask, sandbox: Any) -> None:
    hub: WebhookHub = sandbox.webhooks

    def developer_auth(app_id: int) -> Response | None:
        g.area = "webhooks-admin"
        if request.args.get("hapikey") != sandbox.developer_api_key:
            return errors.error(
                401,
                "The API key provided is invalid. View or manage your API key here: "
                "https://app.hubspot.com/l/api-key/",
                "INVALID_AUTHENTICATION",
            )
        if app_id != hub.app_id:
            return errors.error(404, f"App {app_id} not found", "OBJECT_NOT_FOUND")
        return None

    @app.route(
        "/webhooks/v3/<int:app_id>/settings", methods=["GET", "PUT", "DELETE"], endpoint="hs_wh_settings"
    )
    def settings(app_id: int) -> Response:
        problem = developer_auth(app_id)
        if problem:
            return problem
        if request.method == "DELETE":
            hub.target_url = None
            return Response(status=204)
        if request.method == "PUT":
            data = request.get_json(silent=True)
            if not isinstance(data, dict) or not str(data.get("targetUrl", "")).startswith(
                ("http://", "https://")
            ):
                return errors.validation("targetUrl must be an http(s) URL")
            throttling = data.get("throttling") or {}
            concurrent = int(throttling.get("maxConcurrentRequests", hub.max_concurrent))
            if concurrent <= 5:
                return errors.validation("maxConcurrentRequests must be greater than five")
            hub.target_url, hub.max_concurrent = data["targetUrl"], concurrent
        if hub.target_url is None:
            return errors.error(404, "No webhook settings for this app", "OBJECT_NOT_FOUND")
        now = iso_ms(sandbox.clock.now_ms())
        return jsonify(
            {
                "targetUrl": hub.target_url,
                "throttling": {"maxConcurrentRequests": hub.max_concurrent},
                "createdAt": now,
                "updatedAt": now,
            }
        )

    @app.route("/webhooks/v3/<int:app_id>/subscriptions", methods=["GET", "POST"], endpoint="hs_wh_subs")
    def subscriptions(app_id: int) -> Response:
        problem = developer_auth(app_id)
        if problem:
            return problem
        if request.method == "GET":
            return jsonify({"results": list(hub.subscriptions.values())})
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or data.get("eventType") not in EVENT_TYPES:
            return errors.validation(f"eventType must be one of {sorted(EVENT_TYPES)}")
        object_type_id = None
        if data["eventType"].startswith("object."):  # generic: the object is named by objectTypeId
            resolved = resolve_type(str(data.get("objectTypeId") or ""))
            if resolved is None:
                return errors.validation(
                    f"objectTypeId is required for {data['eventType']} subscriptions and must name a "
                    f"supported object, got {data.get('objectTypeId')!r}"
                )
            object_type_id = schema.TYPE_ID[resolved]
        if data["eventType"].endswith(".propertyChange") and not data.get("propertyName"):
            return errors.validation("propertyName is required for propertyChange subscriptions")
        if data.get("propertyName") in (
            "hs_lastmodifieddate",
            "lastmodifieddate",
            "num_unique_conversion_events",
        ):
            return errors.validation(f"Cannot subscribe to {data['propertyName']}")
        if len(hub.subscriptions) >= 1000:
            return errors.validation("The maximum number allowed of subscriptions has been reached (1000)")
        response = jsonify(
            hub.add_subscription(
                data["eventType"], data.get("propertyName"), bool(data.get("active", False)), object_type_id
            )
        )
        response.status_code = 201
        return response

    @app.route(
        "/webhooks/v3/<int:app_id>/subscriptions/<int:sub_id>",
        methods=["GET", "PATCH", "DELETE"],
        endpoint="hs_wh_sub",
    )
    def subscription(app_id: int, sub_id: int) -> Response:
        problem = developer_auth(app_id)
        if problem:
            return problem
        sub = hub.subscriptions.get(sub_id)
        if sub is None:
            return errors.error(404, f"Subscription {sub_id} not found", "OBJECT_NOT_FOUND")
        if request.method == "DELETE":
            hub.subscriptions.pop(sub_id)
            return Response(status=204)
        if request.method == "PATCH":
            data = request.get_json(silent=True) or {}
            if "active" in data:
                sub["active"] = bool(data["active"])
                sub["updatedAt"] = iso_ms(sandbox.clock.now_ms())
        return jsonify(sub)

    @app.post("/webhooks/v3/<int:app_id>/subscriptions/batch/update", endpoint="hs_wh_sub_batch")
    def subscription_batch(app_id: int) -> Response:
        problem = developer_auth(app_id)
        if problem:
            return problem
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not isinstance(data.get("inputs"), list):
            return errors.validation("inputs must be a list")
        results = []
        for item in data["inputs"]:
            sub = hub.subscriptions.get(int(item.get("id", 0)))
            if sub is not None and "active" in item:
                sub["active"] = bool(item["active"])
                results.append(sub)
        return jsonify({"status": "COMPLETE", "results": results})
