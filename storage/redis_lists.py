"""The lengths of lists in a Redis server named by URL (the Celery broker's queues, when it is Redis)."""

from __future__ import annotations

from collections.abc import Sequence

import redis


def list_lengths(url: str, keys: Sequence[str], timeout_s: float) -> list[int]:
    """``LLEN`` of each key, in one round trip on a connection of its own (closed after); a key that
    does not exist holds 0. Raises ``redis.RedisError`` when the server does not answer in time."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.llen(key)
        return [int(n) for n in pipe.execute()]
    finally:
        client.close()
