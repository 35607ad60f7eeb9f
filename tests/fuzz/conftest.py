"""The HubSpot-configured app of the integration tests, and the same app configured for the
sandbox's Salesforce org (installed through the real flow)."""

from __future__ import annotations

import pytest

from tests.integration.hubspot.conftest import app, client, enqueued, leadq_settings  # noqa: F401 - fixtures


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    return sandbox_factory(seed=5, records=80, https=True)


@pytest.fixture
def sf_app(leadq_settings, crm, enqueued):  # type: ignore[no-untyped-def]  # noqa: F811
    from leadq.app import create_app
    from tests.integration.salesforce.conftest import for_org

    return create_app(for_org(leadq_settings, crm), enqueue=enqueued)


@pytest.fixture
def sf_installed(sf_app, crm):  # type: ignore[no-untyped-def]
    from tests.integration.salesforce.conftest import install

    install(sf_app.test_client(), crm)
