"""An installed leadq on a sandbox HubSpot portal with the Leads object (the install grants the
optional Leads scopes), and its worker runtime (``tests.support.sync``)."""

from tests.support.sync import crm, ctx, installed, runtime  # noqa: F401 - fixtures
