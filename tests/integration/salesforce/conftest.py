"""leadq wired to the sandbox's Salesforce side over HTTPS (simple-salesforce forces https),
a real database and real Redis."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from connector.http import session as pinned_session
from storage.tables import Installation
from tests.conftest import REDIS_URL
from tests.integration.hubspot.conftest import app, client, enqueued  # noqa: F401 - fixtures reused
from workers.services.context import Runtime, build_context

PUBLIC = "http://leadq.test"
# These tests are about the sync mechanics and need plenty of unowned leads assigned: with the
# tier_pool step off, every lead that is not disqualified goes to a rep, whatever its tier and
# verdict (by default only sales-ready leads do; see the verdict/tier matrix in the README).
ROUTING = "[steps]\ntier_pool = false\n"


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    return sandbox_factory(seed=41, records=300, portals=0, https=True)


def for_org(settings, running):  # type: ignore[no-untyped-def]
    """Settings pointing leadq's Salesforce side at a running sandbox (its URL, app and CA)."""
    return settings.model_copy(
        update={
            "salesforce_client_id": running.sf_client_id,
            "salesforce_client_secret": type(settings.salesforce_client_secret)(running.sf_client_secret),
            "salesforce_login_base": running.base_url,
            "salesforce_sandbox_login_base": running.base_url,
            "ca_bundle": running.ca_bundle,
        }
    )


@pytest.fixture
def leadq_settings(settings, engine, crm, redis_client):  # type: ignore[no-untyped-def]
    base = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "redis_url": REDIS_URL,
        "public_base_url": PUBLIC,
    }
    return for_org(settings.model_copy(update=base), crm)


def approve(client, crm, query: str = "") -> str:  # type: ignore[no-untyped-def]  # noqa: F811
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


def install(client, crm, query: str = "") -> Any:  # type: ignore[no-untyped-def]  # noqa: F811
    response = client.get(approve(client, crm, query))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


@pytest.fixture
def installed(client, crm, sessions):  # type: ignore[no-untyped-def]  # noqa: F811
    install(client, crm)
    with sessions.begin() as session:
        row = session.scalars(select(Installation)).one()
        row.routing_toml = ROUTING
        return row.id


@pytest.fixture
def runtime(leadq_settings, sessions, app, redis_client):  # type: ignore[no-untyped-def]  # noqa: F811
    return Runtime(leadq_settings, sessions, app.extensions["leadq"].vault, redis_client)


@pytest.fixture
def ctx(runtime, installed):  # type: ignore[no-untyped-def]
    return build_context(runtime, installed)


def org_of(crm):  # type: ignore[no-untyped-def]
    return crm.sandbox.orgs[crm.org_id]


def outbound_path(flask_app) -> str:  # type: ignore[no-untyped-def]
    """The outbound-message endpoint path of the installed org, with its installation's secret (what
    the install page and the admin app show the admin to enter in Salesforce Setup)."""
    from storage import outbound_secrets

    services = flask_app.extensions["leadq"]
    with services.sessions.begin() as session:
        installation = session.scalars(select(Installation)).one()
        return "/webhooks/salesforce/" + outbound_secrets.ensure(session, services.vault, installation.id)
