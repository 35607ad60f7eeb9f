"""leadq wired to the sandbox's Salesforce side over HTTPS (simple-salesforce forces https): the
settings, the install through the real flow, and the fixtures of an installed org."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from connector.http import session as pinned_session
from leadq import live_stack
from leadq.live_stack import install_via_oauth, sandbox_settings
from storage.tables import Installation
from tests.support.hubspot import PUBLIC
from tests.support.services import REDIS_URL
from tests.support.sync import with_open_routing
from workers.services.context import Runtime, build_context


def for_org(settings, running):
    """Settings pointing leadq's Salesforce side at a running sandbox (its URL, app and CA)."""
    return sandbox_settings(settings, running, crm="salesforce")


def approve(client, crm, query: str = "") -> str:
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


def install(client, crm, query: str = "") -> Any:
    response = install_via_oauth(client, crm, "salesforce", query=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def org_of(crm):
    return crm.sandbox.orgs[crm.org_id]


def outbound_path(flask_app) -> str:
    """The outbound-message endpoint path of the installed org, with its installation's secret (what
    the install page and the admin app show the admin to enter in Salesforce Setup)."""
    from storage import outbound_secrets

    services = flask_app.extensions["leadq"]
    with services.sessions.begin() as session:
        installation = session.scalars(select(Installation)).one()
        return "/webhooks/salesforce/" + outbound_secrets.ensure(session, services.vault, installation.id)


# Fixtures (tests/integration/salesforce/conftest.py and the security tests that need an org) --------


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=41, records=300, portals=0, https=True)


@pytest.fixture
def leadq_settings(settings, engine, crm, redis_client):
    database = engine.url.render_as_string(hide_password=False)
    return sandbox_settings(
        settings, crm, crm="salesforce", database_url=database, redis_url=REDIS_URL, public_base_url=PUBLIC
    )


@pytest.fixture
def installed(client, crm, sessions):
    install(client, crm)
    return with_open_routing(sessions)


@pytest.fixture
def runtime(leadq_settings, sessions, app, redis_client):
    return Runtime(leadq_settings, sessions, app.extensions["leadq"].vault, redis_client)


@pytest.fixture
def ctx(runtime, installed):
    return build_context(runtime, installed)


@pytest.fixture
def live(sandbox_factory):
    """An org that sends its outbound messages (to a leadq served on a real port: ``served``)."""
    return sandbox_factory(seed=47, records=200, portals=0, https=True, deliver_webhooks=True)


@pytest.fixture
def served(leadq_settings, live, redis_client):
    """leadq's web app on a real port, pointed at ``live``: (its settings, its URL, the Flask app)."""
    stack = live_stack.serve_app(for_org(leadq_settings, live))
    redis_client.delete("changes", "backfill")
    yield stack.settings, stack.url, stack.app
    stack.stop()
