"""An installed leadq (sandbox HubSpot, real database and Redis) for the CLI's tests
(``tests.support.sync``), on a small sandbox: these tests are about what a command says.

The portal has no HubSpot Leads object for leadq (leadq does not ask for the optional Leads scopes
there, as in tests/integration/sync): the counts of records written are the contacts' and companies';
test_pipeline_leads_cli.py covers the commands with Leads records."""

import pytest

from tests.support.sync import installed  # noqa: F401 - fixture


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=61, records=60, rate_limit=10_000)


@pytest.fixture
def leadq_settings(leadq_settings):
    return leadq_settings.model_copy(update={"hubspot_optional_scopes": ""})
