"""The security suite uses the HubSpot integration tests' small sandbox portal (leadq's app on it
comes from ``tests.support.fixtures``)."""

from tests.support.hubspot import crm  # noqa: F401 - the fixture
