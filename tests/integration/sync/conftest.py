"""An installed leadq (sandbox HubSpot, real database and Redis) and its worker runtime
(``tests.support.sync``)."""

from tests.support.sync import crm, ctx, installed, runtime  # noqa: F401 - fixtures
