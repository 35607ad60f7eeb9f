"""``POST /webhooks/hubspot``: a ladder of cheap checks, then record, enqueue and answer fast.

Order: size, headers, freshness + signature (constant time), parse, per portal:
known installation, drop leadq's own echoes, dedupe on content, enqueue ids.
No CRM or scoring work happens in the request.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from flask import Blueprint, Response, current_app, jsonify, request

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
            if installation.status not in installations.WORKING:
                _mark_paused(session, installation.id, fresh)
                counts["paused"] += len(fresh)
                continue
            counts["accepted"] += len(fresh)
            if fresh:
                to_enqueue.append((installation.id, fresh))
    for installation_id, keys in to_enqueue:  # after the commit: a worker must find the rows
        try:
            services.enqueue(installation_id, keys)
        except Exception:  # recorded already: the watchdog queues them once the broker is back
            log.exception("hubspot.webhook.enqueue-failed", extra={"installation": installation_id})
    log.info("hubspot.webhook.received", extra=counts)
    return jsonify(counts), 200


def _soap_fault(reason: str, message: str, status: int) -> Response:
    from xml.sax.saxutils import escape

    log.warning(f"salesforce.outbound.{reason}", extra={"remote": request.remote_addr})
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:Client</faultcode><faultstring>{escape(reason)}: {escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


@bp.post("/webhooks/salesforce")
@bp.post("/webhooks/salesforce/<token>")
def salesforce(token: str | None = None):  # type: ignore[no-untyped-def]
    """Outbound Messages: acknowledged only after every notification is recorded (durably queued).

    Ladder: optional secret path token, size, safe SOAP parse, organization id of an installation,
    leadq's own echoes dropped (``LastModifiedById`` is the integration user), dedupe on the record
    version (shared with polling), record, enqueue, ack.
    """
    import hmac

    from connector.salesforce.outbound import ACK, MessageRejected, parse

    services = current_app.extensions["leadq"]
    settings = services.settings
    expected = settings.salesforce_outbound_token.get_secret_value()
    if expected and not hmac.compare_digest((token or "").encode(), expected.encode()):
        return _soap_fault("unknown-endpoint", "no such endpoint", 404)
    if (request.content_length or 0) > settings.webhook_max_bytes:
        return _soap_fault("too-large", "body too large", 413)
    try:
        message = parse(request.get_data(cache=False), settings.webhook_max_bytes)
    except MessageRejected as exc:
        return _soap_fault(exc.reason, str(exc), exc.status)
    counts = {"accepted": 0, "duplicates": 0, "echoes": 0, "paused": 0}
    with services.sessions.begin() as session:
        installation = installations.find(session, CrmKind.SALESFORCE, message.organization_id)
        if installation is None or installation.status == installations.UNINSTALLED:
            log.warning("salesforce.outbound.unknown-org", extra={"org": message.organization_id})
            return _soap_fault("unknown-org", "this organization has not installed leadq", 403)
        own = [
            n for n in message.notifications if n.fields.get("LastModifiedById") == installation.installed_by
        ]
        counts["echoes"] = len(own)
        rest = [n for n in message.notifications if n not in own]
        fresh = event_store.record_new(
            session, installation.id, [(n.key(), n.object_type.value, n.record_id, None) for n in rest]
        )
        counts["duplicates"] = len(rest) - len(fresh)
        installation_id, working = installation.id, installation.status in installations.WORKING
        if not working:
            _mark_paused(session, installation_id, fresh)
            counts["paused"] = len(fresh)
    if fresh and working:
        counts["accepted"] = len(fresh)
        try:
            services.enqueue(installation_id, fresh)
        except Exception:
            log.exception("salesforce.outbound.enqueue-failed", extra={"installation": installation_id})
    log.info("salesforce.outbound.received", extra=counts)
    return Response(ACK, status=200, content_type="text/xml; charset=utf-8")


def _mark_paused(session, installation_id: int, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from leadq.storage.tables import ProcessedEvent

    if keys:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.event_key.in_(keys))
            .values(status="paused")
        )
