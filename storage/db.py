"""Engine and session factory: SQLite by default, PostgreSQL tested too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import sqlalchemy.exc
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from storage.redis_locks import LockTimeout

# What the layers above storage name, so that none of them imports SQLAlchemy or Redis itself.
Sessions = sessionmaker[Session]  # the session factory the web app and the worker hold
Redis = redis.Redis
# The database or Redis is down or restarting, or a lock is held too long: try again later.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    redis.RedisError,
    LockTimeout,
)

__all__ = [
    "UNAVAILABLE",
    "Engine",
    "Redis",
    "Session",
    "Sessions",
    "make_engine",
    "make_session_factory",
    "transaction",
]


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the per-backend settings leadq relies on."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            # WAL lets the web process read while a worker writes; FKs are off by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
