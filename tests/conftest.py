"""Shared fixtures: settings, a migrated database (SQLite or PostgreSQL), Redis, the sandbox, and
leadq's app on it (``tests.support.fixtures``); helpers tests import live in ``tests.support``.

``LEADQ_TEST_DB=postgres`` runs the database tests on PostgreSQL (``make test``
runs the suite once per backend). Tests that need a real service skip with a
reason when it is down, except under ``CI=true`` where a missing service fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

pytest.register_assert_rewrite("tests.support")

from core.settings import Settings, load_settings  # noqa: E402 - after the rewrite hook
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.services import REDIS_URL, service_missing, test_backend  # noqa: E402

pytest_plugins = ["sandbox.pytest_plugin", "tests.support.fixtures", "tests.support.sharding"]

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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database migrated to head once a session; ``engine``'s databases are copies of it."""
    with databases.migrated_template(tmp_path_factory.mktemp("template")) as template:
        yield template


AT_HEAD: set[str] = set()  # database URLs copied from the migrated template (already at head)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on the backend under test; dropped afterwards. Empty, unless the test also
    uses ``engine`` (which migrates it): then it starts as a copy of the migrated template and
    ``engine`` has nothing left to run. Tests that migrate by hand use ``db_url`` alone."""
    migrated = "engine" in request.fixturenames
    template = request.getfixturevalue("migrated_template") if migrated else None
    with databases.fresh_database(tmp_path, template) as url:
        if migrated:
            AT_HEAD.add(url)
        yield url
        AT_HEAD.discard(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    if db_url not in AT_HEAD:
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
    security and fuzz suites run whole on both backends (issue 15), whatever fixtures they use.

    A test marked ``backend("sqlite")`` or ``backend("postgres")`` runs on that backend only: its
    subject is not the store (a model's learning, a false-alarm rate over many seeds) or it is a size
    the other backend's tests cover at a smaller scale; the marker's ``reason`` says which."""
    here = test_backend()
    elsewhere = []
    for item in items:
        whole_suite = any(f"tests/{suite}/" in item.nodeid for suite in ("security", "fuzz"))
        if whole_suite or DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
        only = item.get_closest_marker("backend")
        if only is not None and only.args[0] not in ("sqlite", "postgres"):
            raise pytest.UsageError(f"{item.nodeid}: backend({only.args[0]!r}): sqlite or postgres")
        if only is not None and only.args[0] != here:
            elsewhere.append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        gone = {id(item) for item in elsewhere}
        items[:] = [item for item in items if id(item) not in gone]


@pytest.fixture(autouse=True)
def no_cached_owner_lists() -> Iterator[None]:
    """Workers cache each CRM's owner list for minutes, keyed by installation and portal, which repeat
    from test to test: a rep one test archived must not stay archived in the next test's routing."""
    from workers.services.context import _OWNERS_CACHE

    _OWNERS_CACHE.clear()
    yield
    _OWNERS_CACHE.clear()
