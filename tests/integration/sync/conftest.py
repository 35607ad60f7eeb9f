"""An installed leadq (sandbox HubSpot, real database and Redis) and its worker runtime."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from leadq.storage.tables import Installation
from tests.integration.hubspot.conftest import (  # noqa: F401 - fixtures reused
    Enqueued,
    app,
    client,
    enqueued,
    install,
    leadq_settings,
)
from workers.services.context import Runtime, build_context

# Route L3 leads to reps as well, so the backfill has plenty of unowned leads to assign.
ROUTING = '[pools]\nL3 = "all"\n'


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    return sandbox_factory(seed=61, records=400)


@pytest.fixture
def installed(client, crm, sessions):  # type: ignore[no-untyped-def]  # noqa: F811
    install(client, crm)
    with sessions.begin() as session:
        row = session.scalars(select(Installation)).one()
        row.routing_toml = ROUTING
        return row.id


@pytest.fixture
def runtime(leadq_settings, sessions, app, redis_client):  # type: ignore[no-untyped-def]  # noqa: F811
    return Runtime(leadq_settings, sessions, app.extensions["leadq"].vault, redis_client)


@pytest.fixture
def ctx(runtime, installed):  # type: ignore[no-untyped-def]
    return build_context(runtime, installed)
