"""Fresh databases on the backend under test (``LEADQ_TEST_DB``: SQLite or PostgreSQL) for the
``db_url`` fixtures, empty or as a copy of one database migrated once a session (``template``)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from storage.db import make_engine
from storage.migrate import upgrade
from tests.support.services import POSTGRES_ADMIN_URL, service_missing, test_backend


def _create_postgres_database(name: str, template: str | None = None) -> None:
    """``CREATE DATABASE name`` (a copy of ``template`` when given) on the test server."""
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not reachable"
        service_missing("PostgreSQL", str(exc).splitlines()[0])
    admin.dispose()


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_url(name: str) -> str:
    return f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@contextmanager
def fresh_database(directory: Path, template: str | None = None) -> Iterator[str]:
    """A new database's URL: a SQLite file in ``directory``, or a PostgreSQL database dropped at the
    end. Empty, or a copy of ``template`` (what ``migrated_template`` yields)."""
    if test_backend() != "postgres":
        path = directory / "leadq-test.db"
        if template is not None:
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"leadq_test_{uuid.uuid4().hex[:12]}"
    _create_postgres_database(name, template)
    try:
        yield _postgres_url(name)
    finally:
        _drop_postgres_database(name)


@contextmanager
def migrated_template(directory: Path) -> Iterator[str]:
    """One database migrated to the newest revision by ``storage.migrate.upgrade``, to copy (a file
    copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL) instead of running every
    migration again for each test (0.3-1 s each). Yields the SQLite file's path or the PostgreSQL
    database's name (unique: other test runs share the server)."""
    if test_backend() != "postgres":
        path = directory / "leadq-template.db"
        template = make_engine(f"sqlite:///{path}")
        upgrade(template)
        template.dispose()  # WAL checkpointed and closed: the file alone is the database
        yield str(path)
        return
    name = f"leadq_template_{uuid.uuid4().hex[:12]}"
    _create_postgres_database(name)
    try:
        template = make_engine(_postgres_url(name))
        upgrade(template)
        template.dispose()  # PostgreSQL copies a template only while nobody is connected to it
        yield name
    finally:
        _drop_postgres_database(name)
