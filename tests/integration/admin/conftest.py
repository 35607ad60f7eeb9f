"""An installed leadq (sandbox HubSpot) with two admins: one granted it, one granted another
(``tests.support.admin`` and ``tests.support.sync``)."""

from tests.support.admin import accounts, other_installation  # noqa: F401 - fixtures
from tests.support.sync import crm, ctx, installed, runtime  # noqa: F401 - fixtures
