"""An installed leadq (sandbox HubSpot) with two admins: one granted it, one granted another
(``tests.support.admin`` and ``tests.support.sync``).

The pages' tests count contacts and companies on a portal WITHOUT HubSpot's Leads object (leadq does
not ask for the optional Leads scopes there, as in tests/integration/sync);
test_pipeline_leads_pages.py covers the pages with Leads records."""

import pytest

from tests.support.admin import accounts, other_installation  # noqa: F401 - fixtures
from tests.support.sync import crm, ctx, installed, runtime  # noqa: F401 - fixtures


@pytest.fixture
def leadq_settings(leadq_settings):
    return leadq_settings.model_copy(update={"hubspot_optional_scopes": ""})
