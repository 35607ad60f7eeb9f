"""Fixtures every test directory may use (a plugin of the root conftest.py): leadq's web app on the
sandbox's HubSpot side (``crm``, the sandbox, is each directory's own), a real database and Redis."""

from __future__ import annotations

import pytest

from leadq.app import create_app
from leadq.live_stack import sandbox_settings
from tests.support.hubspot import PUBLIC, Enqueued
from tests.support.services import REDIS_URL


@pytest.fixture
def leadq_settings(settings, engine, crm, redis_client):
    database = engine.url.render_as_string(hide_password=False)
    return sandbox_settings(settings, crm, database_url=database, redis_url=REDIS_URL, public_base_url=PUBLIC)


@pytest.fixture
def enqueued() -> Enqueued:
    return Enqueued()


@pytest.fixture
def app(leadq_settings, enqueued):
    return create_app(leadq_settings, enqueue=enqueued)


@pytest.fixture
def client(app):
    return app.test_client()
