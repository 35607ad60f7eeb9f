"""The HubSpot-configured app of the integration tests (``tests.support.fixtures``), and the same app
configured for the sandbox's Salesforce org (installed through the real flow)."""

from __future__ import annotations

import pytest

from leadq.app import create_app
from tests.support.salesforce import for_org, install


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=5, records=80, https=True)


@pytest.fixture
def sf_app(leadq_settings, crm, enqueued):
    return create_app(for_org(leadq_settings, crm), enqueue=enqueued)


@pytest.fixture
def sf_installed(sf_app, crm):
    install(sf_app.test_client(), crm)
