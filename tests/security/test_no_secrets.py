"""No token or secret in logs (at DEBUG, the SDKs' own loggers included), in error pages, in URLs or
in the database in plaintext, through a whole life: install, webhook, scoring and write-back, an
expired access token refreshed, the app uninstalled (refused refresh), a failed OAuth callback."""

from __future__ import annotations

import io
import logging

import pytest
import requests
from sqlalchemy import MetaData

from connector.errors import CrmAuthError
from oauth.errors import InvalidGrant
from tests.support.hubspot import event, install, signed_post
from workers.services.context import Runtime, build_context
from workers.services.sync import handle_changes


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=97, records=40, rate_limit=10_000)


@pytest.fixture
def log_text():
    """Everything leadq's configured handler writes (redaction included), at DEBUG level."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_leadq", False)), None)
    if handler is None:
        from core.logging import configure_logging

        configure_logging("DEBUG")
        handler = next(h for h in root.handlers if getattr(h, "_leadq", False))
    buffer = io.StringIO()
    old_stream, old_level = handler.setStream(buffer), root.level
    root.setLevel(logging.DEBUG)
    yield buffer
    handler.setStream(old_stream)
    root.setLevel(old_level)


def _secrets(crm, settings) -> list[str]:
    oauth = crm.sandbox.oauth
    tokens = [*oauth.access.keys(), *oauth.refresh.keys()]
    assert len(tokens) >= 3, "the flow must have issued tokens to look for"
    fixed = [
        crm.client_secret,
        crm.developer_api_key,
        settings.secret_key.get_secret_value(),
        *settings.encryption_keys.get_secret_value().split(","),
    ]
    return [s for s in tokens + fixed if s and len(s) >= 12]


def test_no_secret_in_logs_urls_pages_or_the_database(
    client, app, crm, engine, sessions, redis_client, log_text
):
    settings = app.extensions["leadq"].settings
    start = client.get("/install/hubspot")
    assert "client_secret" not in start.headers["Location"]
    install(client, crm)
    portal = crm.sandbox.portals[crm.portal_id]
    contact = portal.live("contacts")[0]
    assert signed_post(client, crm.client_secret, [event(crm.portal_id, int(contact.id))]).status_code == 200
    runtime = Runtime(settings, sessions, app.extensions["leadq"].vault, redis_client)
    installation_id = 1
    handle_changes(build_context(runtime, installation_id), window_s=0)
    requests.post(f"{crm.base_url}/_sandbox/hubspot/portals/{crm.portal_id}/expire-tokens", timeout=5)
    signed_post(client, crm.client_secret, [event(crm.portal_id, int(contact.id), value="CFO")])
    handle_changes(build_context(runtime, installation_id), window_s=0)  # refreshes the token
    requests.post(f"{crm.base_url}/_sandbox/hubspot/portals/{crm.portal_id}/uninstall", timeout=5)
    signed_post(client, crm.client_secret, [event(crm.portal_id, int(contact.id), value="CTO")])
    with pytest.raises((InvalidGrant, CrmAuthError)):  # the worker task pauses the installation on it
        handle_changes(build_context(runtime, installation_id), window_s=0)
    bad = client.get(f"/oauth/hubspot/callback?code=stolen-{crm.client_secret}&state=forged")
    assert bad.status_code == 400
    pages = [bad.get_data(as_text=True), client.get("/no-such-page").get_data(as_text=True)]

    secrets_ = _secrets(crm, settings)
    logged = log_text.getvalue()
    assert "hubspot" in logged.lower(), "the log capture must have seen the flow"
    leaks = [s[:6] + "..." for s in secrets_ if s in logged]
    assert leaks == [], f"secrets in the log: {leaks}"
    for page in pages:
        assert not [s for s in secrets_ if s in page], "a secret on an error page"
    for entry in crm.requests.entries():  # tokens travel in headers and form bodies, never in a URL
        where = entry.path + "?" + "&".join(f"{k}={v}" for k, vs in entry.query.items() for v in vs)
        assert not [s for s in secrets_ if s in where], f"a secret in the URL of {entry.method} {entry.path}"
    # The database, every table and column, as the raw bytes a backup would hold.
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        dump = " ".join(
            repr(tuple(row)) for table in metadata.sorted_tables for row in connection.execute(table.select())
        )
    assert not [s for s in secrets_ if s in dump], "a secret stored in plaintext"
