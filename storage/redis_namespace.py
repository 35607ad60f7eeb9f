"""Redis clients for leadq, with every key under ``LEADQ_REDIS_PREFIX`` when it is set.

Two stacks on one Redis database (a running ``leadq demo`` next to the test suite) stay apart when
each has its own prefix: every key leadq writes (locks, limits, routing state, sign-in throttles,
heartbeats, OAuth verifiers) is stored as ``<prefix><key>``, and Celery's Redis broker keeps its
queues under the same prefix (``workers.celery_app``). Without a prefix the client is plain Redis.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import redis
from redis.client import Pipeline

# Commands that name no key; the first argument of every other command leadq sends is a key, except
# the ones listed below with their own layout.
_NO_KEYS = frozenset(
    {
        *("PING", "TIME", "INFO", "ECHO", "SCRIPT", "FUNCTION", "CONFIG", "CLIENT", "COMMAND", "DBSIZE"),
        *("FLUSHDB", "FLUSHALL", "SELECT", "AUTH", "HELLO", "MULTI", "EXEC", "DISCARD", "UNWATCH"),
        *("QUIT", "RESET", "MEMORY", "SLOWLOG", "LATENCY"),
    }
)
_ALL_KEYS = frozenset(["DEL", "UNLINK", "EXISTS", "TOUCH", "MGET", "WATCH"])
_SCRIPTS = frozenset(["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"])


def with_prefix(prefix: str, args: Sequence[Any]) -> list[Any]:
    """A command's arguments with each key it names under ``prefix``."""
    out = list(args)
    if not prefix or not out:
        return out
    name = str(out[0]).split(" ", 1)[0].upper()
    if name in _NO_KEYS:
        return out
    if name in _ALL_KEYS:
        return [out[0], *(_key(prefix, key) for key in out[1:])]
    if name in _SCRIPTS:  # SCRIPT-OR-SHA NUMKEYS KEY... ARG...
        count = int(out[2])
        return [*out[:3], *(_key(prefix, key) for key in out[3 : 3 + count]), *out[3 + count :]]
    if len(out) > 1:
        out[1] = _key(prefix, out[1])
    return out


def _key(prefix: str, key: Any) -> Any:
    if isinstance(key, bytes):
        return prefix.encode() + key
    return f"{prefix}{key}"


class _Prefixing:
    key_prefix: str = ""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        return super().execute_command(*with_prefix(self.key_prefix, args), **options)  # type: ignore[misc]  # a mixin: mypy cannot see the redis class it joins


class PrefixedPipeline(_Prefixing, Pipeline):
    """A pipeline (or transaction) of a ``PrefixedRedis``."""


class PrefixedRedis(_Prefixing, redis.Redis):
    """A Redis client that stores every key under ``key_prefix``."""

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        pipe = PrefixedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.key_prefix = self.key_prefix
        return pipe


def connect(url: str, prefix: str = "", **options: Any) -> redis.Redis:
    """A client of the Redis at ``url``; with a ``prefix``, every key it names is under it."""
    if not prefix:
        return redis.Redis.from_url(url, **options)
    client = cast(PrefixedRedis, PrefixedRedis.from_url(url, **options))  # redis-py types it as Redis
    client.key_prefix = prefix
    return client


def _namespace_keys(client: redis.Redis, prefix: str) -> Iterator[bytes]:
    yield from client.scan_iter(match=f"{prefix}*", count=500)


def clear_namespace(url: str, prefix: str) -> int:
    """Delete every key under ``prefix`` (a run's own keys, never a whole database); how many."""
    if not prefix:
        raise ValueError("refusing to clear Redis without a prefix")
    client = redis.Redis.from_url(url)
    try:
        keys = list(_namespace_keys(client, prefix))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        return len(keys)
    finally:
        client.close()


def expire_namespace(url: str, prefix: str, seconds: int) -> int:
    """Give every key under ``prefix`` that would otherwise live forever ``seconds`` to live (a key with
    its own expiry keeps it); how many were given one. What a run leaves for reading afterwards goes
    away by itself, whatever removes the run's other traces."""
    if not prefix:
        raise ValueError("refusing to expire Redis keys without a prefix")
    client = redis.Redis.from_url(url)
    try:
        given = 0
        for key in _namespace_keys(client, prefix):
            if client.ttl(key) == -1:  # -1: no expiry; -2: gone meanwhile
                given += bool(client.expire(key, seconds))
        return given
    finally:
        client.close()


def reachable(url: str) -> str | None:
    """None when the Redis at ``url`` answers; else why not."""
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        return str(exc)
    finally:
        client.close()
    return None
