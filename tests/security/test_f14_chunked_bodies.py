"""F14 (security review, December 2026): a chunked body over the size limit is refused with 413 on
both webhook endpoints, never cut to the limit and then verified and parsed (a real server, so the
body really arrives chunked)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from sandbox.hubspot.signing import sign_v3
from sandbox.salesforce.outbound import envelope
from tests.support.hubspot import PUBLIC, event, install


@contextmanager
def serving(app) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()


def post_chunked(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    pieces = (body[i : i + 65_536] for i in range(0, len(body), 65_536))
    connection.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
    answer = connection.getresponse()
    return answer.status, answer.read()


def test_f14_chunked_hubspot_body_over_the_limit_is_413(app, client, crm, enqueued) -> None:
    install(client, crm)
    limit = app.extensions["leadq"].settings.webhook_max_bytes
    valid = json.dumps([event(crm.portal_id, 1001)]).encode()
    prefix = valid + b" " * (limit - len(valid))  # a genuine, signed delivery of exactly the limit ...
    stamp = int(time.time() * 1000)
    headers = {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": sign_v3(
            crm.client_secret, "POST", f"{PUBLIC}/webhooks/hubspot", prefix, stamp
        ),
        "X-HubSpot-Request-Timestamp": str(stamp),
    }
    with serving(app) as port:
        status, body = post_chunked(
            port, "/webhooks/hubspot", prefix + b"x" * 50_000, headers
        )  # ... and more
        assert (status, json.loads(body)["error"]) == (413, "too-large")
        assert enqueued.keys == [], "what was verified is what was sent, or nothing"
        short = valid
        headers["X-HubSpot-Signature-v3"] = sign_v3(
            crm.client_secret, "POST", f"{PUBLIC}/webhooks/hubspot", short, stamp
        )
        status, body = post_chunked(port, "/webhooks/hubspot", short, headers)
        assert status == 200 and json.loads(body)["accepted"] == 1, "a chunked body under the limit is read"


def test_f14_chunked_salesforce_body_over_the_limit_is_413(leadq_settings, enqueued, sandbox_factory) -> None:
    from leadq.app import create_app
    from tests.support.salesforce import for_org, org_of, outbound_path
    from tests.support.salesforce import install as install_salesforce

    org_crm = sandbox_factory(seed=41, records=40, portals=0, https=True)
    app = create_app(for_org(leadq_settings, org_crm), enqueue=enqueued)
    install_salesforce(app.test_client(), org_crm)
    path = outbound_path(app)
    limit = app.extensions["leadq"].settings.webhook_max_bytes
    lead = next(r for r in org_of(org_crm).live("Lead") if not r["IsConverted"])
    message = envelope(
        org_crm.org_id,
        "04k000000000001AAA",
        "https://x.example",
        [("04l000000000001AAA", "Lead", {"Id": lead["Id"]})],
    )
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    with serving(app) as port:
        status, body = post_chunked(port, path, message + b" " * (limit + 50_000 - len(message)), headers)
        assert status == 413 and b"too-large" in body
        assert enqueued.keys == []
        status, body = post_chunked(port, path, message, headers)
        assert status == 200 and b"<Ack>true</Ack>" in body, "a chunked message under the limit is read"
