"""The inbound paths: ``POST /webhooks/hubspot`` and ``POST /webhooks/salesforce/<secret>``.
A ladder of cheap checks, then record, enqueue and answer fast.

HubSpot: configured client secret, size, headers, freshness + signature (constant time), parse,
per portal: known installation, drop leadq's own echoes, dedupe on content, enqueue ids.
Salesforce: see ``salesforce``. No CRM or scoring work happens in the request.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from flask import Blueprint, Response, current_app, jsonify, request

from connector.hubspot.webhooks import HubSpotEvent, WebhookRejected, parse, verify_v3
from connector.salesforce import outbound
from core.records import CrmKind
from storage import inbound_limit, installations, outbound_secrets
from storage.db import UNAVAILABLE, Session
from workers.services import intake

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


def _reject(exc: WebhookRejected):
    # Logged without the body: it may hold personal data, and a forged one is noise.
    log.warning(f"hubspot.webhook.{exc.reason}", extra={"remote": request.remote_addr})
    return jsonify(error=exc.reason, message=str(exc)), exc.status


@bp.post("/webhooks/hubspot")
def hubspot():
    services = current_app.extensions["leadq"]
    settings = services.settings
    if not settings.hubspot_client_secret.get_secret_value():
        # Never verify with an empty key: that would accept anyone's "signature".
        log.error("hubspot.webhook.not-configured", extra={"hint": "set LEADQ_HUBSPOT_CLIENT_SECRET"})
        return jsonify(error="not-configured", message="HubSpot webhooks are not configured here"), 503
    body = read_body(settings.webhook_max_bytes)
    if body is None:
        return _reject(WebhookRejected("too-large", 413, "body too large"))
    try:
        _verify(settings, body)
        parsed = parse(body)
    except WebhookRejected as exc:
        return _reject(exc)
    by_portal: dict[str, list[HubSpotEvent]] = defaultdict(list)
    for event in parsed:
        by_portal[event.portal_id].append(event)
    with services.sessions.begin() as session:
        accepted = {
            portal_id: _accept_portal(session, portal_id, events, settings.hubspot_app_id)
            for portal_id, events in by_portal.items()
        }
    totals = intake.Accepted()
    for installation_id, one in accepted.values():
        if one.queued:  # after the commit: a worker must find the rows
            _hand_over(services, installation_id, one.queued, "hubspot.webhook.enqueue-failed")
        totals.merge(one)
    counts = {**totals.counts(), "unknown_portal": totals.unknown}
    log.info("hubspot.webhook.received", extra=counts)
    return jsonify(counts), 200


def _verify(settings, body: bytes) -> None:
    """Raise WebhookRejected unless HubSpot signed this request, lately. HubSpot signs the URL it
    called: the public URL, whatever proxy stands in between."""
    uri = settings.public_base_url + request.path
    if request.query_string:
        uri += "?" + request.query_string.decode("latin-1")
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


def _accept_portal(
    session: Session, portal_id: str, events: list[HubSpotEvent], app_id: str
) -> tuple[int, intake.Accepted]:
    """One portal's events through the intake: (its installation's id or 0, what was accepted)."""
    installation = installations.find(session, CrmKind.HUBSPOT, portal_id)
    accepted = intake.accept(session, installation, [_change(e, app_id) for e in events])
    if accepted.unknown:
        log.warning("hubspot.webhook.unknown-portal", extra={"portal": portal_id, "events": len(events)})
    return (installation.id if installation is not None else 0), accepted


def _change(event: HubSpotEvent, app_id: str) -> intake.Change:
    ref = event.event.ref
    return intake.Change(
        event.key, ref.object_type.value, ref.record_id, event.event.occurred_at, echo=event.is_echo(app_id)
    )


def _hand_over(services, installation_id: int, keys: list[str], failure: str) -> None:
    try:
        services.enqueue(installation_id, keys)
    except Exception:  # recorded already: the watchdog queues them once the broker is back
        log.exception(failure, extra={"installation": installation_id})


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
@bp.post("/webhooks/salesforce/<path:secret>")  # anything under it: 404 here, never logged
def salesforce(secret: str | None = None):
    """Outbound Messages: acknowledged only after every notification is recorded (durably queued).

    Ladder: the installation's secret in the path (anything else, whatever the organization: 404),
    size, safe SOAP parse, the message's organization is that installation's, the per-installation
    limit (503, Salesforce retries), leadq's own echoes dropped (``LastModifiedById`` is the
    integration user), versions leadq already has dropped, record under the notification id,
    enqueue, ack.
    """
    services = current_app.extensions["leadq"]
    settings = services.settings
    with services.sessions() as session:
        found = outbound_secrets.installation_of(session, secret)
        installation = installations.get(session, found) if found else None
        if installation is None or not intake.known_installation(installation):
            return _soap_fault("unknown-endpoint", "no such endpoint", 404)
        installation_id, org, integration_user = (
            installation.id,
            installation.tenant_id,
            installation.installed_by,
        )
    body = read_body(settings.webhook_max_bytes)
    if body is None:
        return _soap_fault("too-large", "body too large", 413)
    try:
        message = outbound.parse(body, settings.webhook_max_bytes)
    except outbound.MessageRejected as exc:
        return _soap_fault(exc.reason, str(exc), exc.status)
    if message.organization_id[:15] != org[:15]:
        # The secret of one installation with another organization's message: not authenticated.
        log.warning("salesforce.outbound.wrong-org", extra={"installation": installation_id})
        return _soap_fault("unknown-endpoint", "no such endpoint", 404)
    # leadq's own echoes (its writes, made as the integration user) are dropped below without a
    # row or a task, so only the others count against the limit: a backfill's echoes must not
    # crowd out the people's changes arriving in the same minute.
    changes = [_notification_change(n, integration_user) for n in message.notifications]
    if not _within_limit(services, installation_id, sum(1 for c in changes if not c.echo)):
        answer = _soap_fault("rate-limited", "too many notifications; retry later", 503)
        answer.headers["Retry-After"] = str(inbound_limit.WINDOW_S)
        return answer
    with services.sessions.begin() as session:
        accepted = intake.accept(session, installations.get(session, installation_id), changes)
    if accepted.queued:
        _hand_over(services, installation_id, accepted.queued, "salesforce.outbound.enqueue-failed")
    log.info("salesforce.outbound.received", extra={"installation": installation_id, **accepted.counts()})
    return Response(outbound.ACK, status=200, content_type="text/xml; charset=utf-8")


def _notification_change(notification: outbound.Notification, integration_user: str | None) -> intake.Change:
    return intake.Change(
        notification.key(),
        notification.object_type.value,
        notification.record_id,
        echo=notification.is_echo(integration_user),
        version_key=notification.claimed_version_key(),
    )


def _within_limit(services, installation_id: int, records: int) -> bool:
    per_minute = services.settings.salesforce_outbound_max_per_minute
    try:
        allowed = inbound_limit.allow(services.redis, installation_id, records, per_minute)
    except UNAVAILABLE:
        # The secret still authenticates; an outage of the limiter's Redis must not stop the acks.
        log.warning("salesforce.outbound.limit-unavailable", extra={"installation": installation_id})
        return True
    if not allowed:
        log.warning(
            "salesforce.outbound.rate-limited",
            extra={"installation": installation_id, "notifications": records, "per_minute": per_minute},
        )
    return allowed


@bp.app_template_global("salesforce_outbound_url")
def salesforce_outbound_url(installation_id: int) -> str | None:
    """For the installation page (whose view checked the admin's grant): the outbound-message
    endpoint URL with this installation's secret, made now for an installation from before secrets;
    None when the stored secret cannot be decrypted with the configured keys."""
    from storage.vault import VaultError

    services = current_app.extensions["leadq"]
    try:
        with services.sessions.begin() as session:
            secret = outbound_secrets.ensure(session, services.vault, installation_id)
    except VaultError:
        log.error("salesforce.outbound.secret-undecryptable", extra={"installation": installation_id})
        return None
    return outbound_secrets.endpoint_url(services.settings.public_base_url, secret)


def read_body(limit: int) -> bytes | None:
    """The whole request body, or None when it is over ``limit`` bytes, with or without a
    Content-Length (a chunked body is read to one byte past the limit, never silently cut)."""
    length = request.content_length
    if length is not None:
        return None if length > limit else request.get_data(cache=False)
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and a stream the server does not end: nothing can be read safely
    stream = environ["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(65_536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)
