"""leadq wired to the sandbox's Salesforce side over HTTPS (simple-salesforce forces https),
a real database and real Redis."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from connector.http import session as pinned_session
from leadq.app import create_app
from leadq.storage.tables import Installation
from tests.conftest import REDIS_URL
from tests.integration.hubspot.conftest import Enqueued
from workers.services.context import Runtime, build_context

PUBLIC = "http://leadq.test"
ROUTING = '[pools]\nL3 = "all"\n'


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    return sandbox_factory(seed=41, records=300, portals=0, https=True)


@pytest.fixture
def leadq_settings(settings, engine, crm, redis_client):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={
            "database_url": engine.url.render_as_string(hide_password=False),
            "redis_url": REDIS_URL,
            "public_base_url": PUBLIC,
            "salesforce_client_id": crm.sf_client_id,
            "salesforce_client_secret": type(settings.salesforce_client_secret)(crm.sf_client_secret),
            "salesforce_login_base": crm.base_url,
            "salesforce_sandbox_login_base": crm.base_url,
            "ca_bundle": crm.ca_bundle,
        }
    )


@pytest.fixture
def enqueued() -> Enqueued:
    return Enqueued()


@pytest.fixture
def app(leadq_settings, enqueued):  # type: ignore[no-untyped-def]
    return create_app(leadq_settings, enqueue=enqueued)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def approve(client, crm, query: str = "") -> str:  # type: ignore[no-untyped-def]
    """/install/salesforce -> the sandbox's authorize page -> the callback URL Salesforce sends back."""
    start = client.get(f"/install/salesforce{query}")
    assert start.status_code == 302, start.get_data(as_text=True)
    consent = pinned_session(str(crm.ca_bundle)).get(
        start.headers["Location"], allow_redirects=False, timeout=10
    )
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{PUBLIC}/oauth/salesforce/callback"
    return f"{back.path}?{back.query}"


def install(client, crm, query: str = "") -> Any:  # type: ignore[no-untyped-def]
    response = client.get(approve(client, crm, query))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


@pytest.fixture
def installed(client, crm, sessions):  # type: ignore[no-untyped-def]
    install(client, crm)
    with sessions.begin() as session:
        row = session.scalars(select(Installation)).one()
        row.routing_toml = ROUTING
        return row.id


@pytest.fixture
def runtime(leadq_settings, sessions, app, redis_client):  # type: ignore[no-untyped-def]
    return Runtime(leadq_settings, sessions, app.extensions["leadq"].vault, redis_client)


@pytest.fixture
def ctx(runtime, installed):  # type: ignore[no-untyped-def]
    return build_context(runtime, installed)


def org_of(crm):  # type: ignore[no-untyped-def]
    return crm.sandbox.orgs[crm.org_id]
