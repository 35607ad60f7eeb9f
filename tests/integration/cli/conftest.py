"""An installed leadq (sandbox HubSpot, real database and Redis) for the CLI's tests
(``tests.support.sync``), on a small sandbox: these tests are about what a command says."""

import pytest

from tests.support.sync import installed  # noqa: F401 - fixture


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=61, records=60, rate_limit=10_000)
