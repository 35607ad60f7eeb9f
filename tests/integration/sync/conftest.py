"""An installed leadq (sandbox HubSpot, real database and Redis) and its worker runtime
(``tests.support.sync``).

These tests count the calls, records and fields of the sync mechanics on a portal WITHOUT HubSpot's
Leads object (leadq does not ask for the optional Leads scopes, as on a Sales Hub Starter portal);
tests/integration/pipeline_leads covers the same paths with Leads records."""

import pytest

from tests.support.sync import crm, ctx, installed, runtime  # noqa: F401 - fixtures


@pytest.fixture
def leadq_settings(leadq_settings):
    return leadq_settings.model_copy(update={"hubspot_optional_scopes": ""})
