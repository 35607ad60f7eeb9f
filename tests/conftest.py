"""Shared fixtures: settings, a migrated database (SQLite or PostgreSQL), Redis, the sandbox, and
leadq's app on it (``tests.support.fixtures``); helpers tests import live in ``tests.support``.

``LEADQ_TEST_DB=postgres`` runs the database tests on PostgreSQL (``make test``
runs the suite once per backend). Tests that need a real service skip with a
reason when it is down, except under ``CI=true`` where a missing service fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

pytest.register_assert_rewrite("tests.support")

from core.settings import Settings, load_settings  # noqa: E402 - after the rewrite hook
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.support.services import POSTGRES_ADMIN_URL, REDIS_URL, service_missing, test_backend  # noqa: E402

pytest_plugins = ["sandbox.pytest_plugin", "tests.support.fixtures"]

# Property tests are derandomized (the suite is deterministic) and judged on what they find, not on
# how fast a loaded 2-core machine generates inputs.
hypothesis.settings.register_profile(
    "leadq", derandomize=True, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("leadq")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    from storage.vault import Vault

    return load_settings(
        env="test",
        data_dir=tmp_path,
        encryption_keys=Vault.generate_key(),
        secret_key="test-secret-key-for-signing-only",
    )


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on the backend under test; dropped afterwards."""
    if test_backend() != "postgres":
        yield f"sqlite:///{tmp_path / 'leadq-test.db'}"
        return
    name = f"leadq_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not reachable"
        service_missing("PostgreSQL", str(exc).splitlines()[0])
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis", str(exc))
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


DB_FIXTURES = {"db_url", "engine", "sessions"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that touches the database is marked ``db``, so it also runs on PostgreSQL; the
    security and fuzz suites run whole on both backends (issue 15), whatever fixtures they use."""
    for item in items:
        whole_suite = any(f"tests/{suite}/" in item.nodeid for suite in ("security", "fuzz"))
        if whole_suite or DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(autouse=True)
def no_cached_owner_lists() -> Iterator[None]:
    """Workers cache each CRM's owner list for minutes, keyed by installation and portal, which repeat
    from test to test: a rep one test archived must not stay archived in the next test's routing."""
    from workers.services.context import _OWNERS_CACHE

    _OWNERS_CACHE.clear()
    yield
    _OWNERS_CACHE.clear()
