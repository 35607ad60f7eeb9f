"""The real services the tests use (PostgreSQL, Redis) and what to do when one is down."""

from __future__ import annotations

import os

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "LEADQ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("LEADQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(what: str, why: str) -> None:
    """Skip on a developer's machine; fail under CI, where every service must be up."""
    message = f"{what} is not reachable ({why})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def test_backend() -> str:
    return os.environ.get("LEADQ_TEST_DB", "sqlite")


test_backend.__test__ = False  # not a test, just a helper
