"""The security suite reuses the HubSpot integration fixtures (a sandbox, leadq's app on it)."""

from tests.integration.hubspot.conftest import app, client, crm, enqueued, leadq_settings  # noqa: F401
