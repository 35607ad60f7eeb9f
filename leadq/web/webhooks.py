"""``POST /webhooks/hubspot``: a ladder of cheap checks, then record, enqueue and answer fast.

Order: size, headers, freshness + signature (constant time), parse, per portal:
known installation, drop leadq's own echoes, dedupe on content, enqueue ids.
No CRM or scoring work happens in the request.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from flask import Blueprint, current_app, jsonify, request

from connector.hubspot.webhooks import WebhookRejected, parse, verify_v3
from leadq.records import CrmKind
from leadq.storage import events as event_store
from leadq.storage import installations

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


def _reject(exc: WebhookRejected):  # type: ignore[no-untyped-def]
    # Logged without the body: it may hold personal data, and a forged one is noise.
    log.warning(f"hubspot.webhook.{exc.reason}", extra={"remote": request.remote_addr})
    return jsonify(error=exc.reason, message=str(exc)), exc.status


@bp.post("/webhooks/hubspot")
def hubspot():  # type: ignore[no-untyped-def]
    services = current_app.extensions["leadq"]
    settings = services.settings
    if (request.content_length or 0) > settings.webhook_max_bytes:
        return _reject(WebhookRejected("too-large", 413, "body too large"))
    body = request.get_data(cache=False)
    # HubSpot signs the URL it called: the public URL, whatever proxy stands in between.
    uri = settings.public_base_url + request.path
    if request.query_string:
        uri += "?" + request.query_string.decode("latin-1")
    try:
        verify_v3(
            settings.hubspot_client_secret.get_secret_value(),
            "POST",
            uri,
            body,
            request.headers.get("X-HubSpot-Signature-v3"),
            request.headers.get("X-HubSpot-Request-Timestamp"),
            int(time.time() * 1000),
            settings.webhook_max_age_s * 1000,
        )
        parsed = parse(body)
    except WebhookRejected as exc:
        return _reject(exc)
    by_portal = defaultdict(list)
    for event in parsed:
        by_portal[event.portal_id].append(event)
    counts = {"accepted": 0, "duplicates": 0, "echoes": 0, "unknown_portal": 0, "paused": 0}
    to_enqueue: list[tuple[int, list[str]]] = []
    app_id = settings.hubspot_app_id
    with services.sessions.begin() as session:
        for portal_id, events in by_portal.items():
            installation = installations.find(session, CrmKind.HUBSPOT, portal_id)
            if installation is None or installation.status == installations.UNINSTALLED:
                counts["unknown_portal"] += len(events)
                log.warning(
                    "hubspot.webhook.unknown-portal", extra={"portal": portal_id, "events": len(events)}
                )
                continue
            own = [
                e
                for e in events
                if app_id and e.event.source == "INTEGRATION" and e.event.source_id == app_id
            ]
            counts["echoes"] += len(own)
            rest = [e for e in events if e not in own]
            fresh = event_store.record_new(
                session,
                installation.id,
                [
                    (e.key, e.event.ref.object_type.value, e.event.ref.record_id, e.event.occurred_at)
                    for e in rest
                ],
            )
            counts["duplicates"] += len(rest) - len(fresh)
            if installation.status != installations.ACTIVE:
                _mark_paused(session, installation.id, fresh)
                counts["paused"] += len(fresh)
                continue
            counts["accepted"] += len(fresh)
            if fresh:
                to_enqueue.append((installation.id, fresh))
    for installation_id, keys in to_enqueue:  # after the commit: a worker must find the rows
        services.enqueue(installation_id, keys)
    log.info("hubspot.webhook.received", extra=counts)
    return jsonify(counts), 200


def _mark_paused(session, installation_id: int, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from leadq.storage.tables import ProcessedEvent

    if keys:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.event_key.in_(keys))
            .values(status="paused")
        )
