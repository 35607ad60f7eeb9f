"""An installed leadq on a sandbox HubSpot portal (without the Leads object, as tests/integration/sync)
and its worker runtime (``tests.support.sync``)."""

import pytest

from tests.support.sync import crm, ctx, installed, runtime  # noqa: F401 - fixtures


@pytest.fixture
def leadq_settings(leadq_settings):
    return leadq_settings.model_copy(update={"hubspot_optional_scopes": ""})
