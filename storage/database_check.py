"""Whether a database is there, reachable and migrated, asked before a command uses it; and what a
database or Redis failure means in a sentence. Creates nothing: a SQLite file that does not exist is
reported, not made."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy.exc
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, make_url, text

from storage.migrate import alembic_config
from storage.redis_locks import LockTimeout

CONNECT_TIMEOUT_S = 5


class Problem(enum.StrEnum):
    MISSING = "missing"  # a SQLite file that does not exist
    UNREACHABLE = "unreachable"  # the server does not answer, or the file cannot be opened
    EMPTY = "empty"  # reachable, but no leadq schema in it
    BEHIND = "behind"  # leadq's schema, older than this version of leadq


@dataclass(frozen=True)
class DatabaseProblem:
    problem: Problem
    url: str  # with the password hidden
    detail: str = ""  # the driver's own words, one line


def shown(url: str) -> str:
    """The URL as a message may show it (no password)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:
        return url


def first_line(exc: BaseException) -> str:
    """The first line of an error's own words (drivers add SQL and links below it)."""
    raw = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.orig is not None else exc
    lines = str(raw).strip().splitlines()
    return lines[0].strip() if lines else type(raw).__name__


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check_database(url: str) -> DatabaseProblem | None:
    """None when the database answers with leadq's current schema; otherwise what is wrong."""
    try:
        sqlite_file = _sqlite_file(url)
    except sqlalchemy.exc.ArgumentError as exc:
        return DatabaseProblem(Problem.UNREACHABLE, url, str(exc))
    if sqlite_file is not None and not sqlite_file.exists():
        return DatabaseProblem(Problem.MISSING, shown(url))
    options = {"connect_timeout": CONNECT_TIMEOUT_S} if url.startswith("postgres") else {}
    try:
        engine = create_engine(url, connect_args=options)
    except (sqlalchemy.exc.ArgumentError, ImportError) as exc:
        return DatabaseProblem(Problem.UNREACHABLE, shown(url), str(exc))
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return DatabaseProblem(Problem.EMPTY, shown(url))
            current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except sqlalchemy.exc.SQLAlchemyError as exc:
        return DatabaseProblem(Problem.UNREACHABLE, shown(url), first_line(exc))
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    if not current:
        return DatabaseProblem(Problem.EMPTY, shown(url))
    if current != heads:
        return DatabaseProblem(Problem.BEHIND, shown(url), ", ".join(sorted(current)))
    return None


def unavailable_service(exc: BaseException) -> tuple[str, str] | None:
    """For a database, Redis or lock failure: (which service, its words); None for anything else."""
    if isinstance(exc, redis.RedisError):
        return "redis", first_line(exc)
    if isinstance(exc, LockTimeout):
        return "lock", first_line(exc)
    if isinstance(exc, sqlalchemy.exc.SQLAlchemyError):
        return "database", first_line(exc)
    return None


def redis_problem(client: redis.Redis) -> str | None:
    """None when Redis answers a PING; otherwise its words."""
    try:
        client.ping()
    except redis.RedisError as exc:
        return first_line(exc)
    return None
