"""Backfill heartbeats in Redis: a running backfill task's last sign of life, by Redis's own clock.

One key per installation and run (``backfill`` or ``preview``) holds the Redis time of the task's
last beat; the task deletes it when it ends, and the watchdog claims (deletes) it once it has been
silent too long. ``workers.services.heartbeat`` beats; these are the Redis operations.
"""

from __future__ import annotations

import math

from redis import Redis

PREFIX = "leadq:backfill-alive"
KEY_TTL_S = 86_400  # garbage guard only: a key is deleted when its task ends, or claimed by the watchdog

# Delete the key only if it still holds the beat that was found stale (a fresh beat wins).
_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def heartbeat_key(installation_id: int, name: str) -> str:
    """``name``: the cursor's name, ``backfill`` or ``preview``."""
    return f"{PREFIX}:{installation_id}:{name}"


def redis_now(client: Redis) -> float:
    seconds, micros = client.time()
    return float(seconds) + micros / 1_000_000


def beat(client: Redis, key: str) -> None:
    # Truncated to the millisecond, never rounded up: a beat stamped in the future would read as
    # "not silent yet" to a claim made within that half millisecond.
    client.set(key, f"{math.floor(redis_now(client) * 1000) / 1000:.3f}", ex=KEY_TTL_S)


def stop(client: Redis, key: str) -> None:
    client.delete(key)


def claim_if_silent(client: Redis, installation_id: int, name: str, silent_for_s: float) -> bool:
    """True (once: the key is removed) if a task beat for this backfill and then fell silent for
    ``silent_for_s``: its worker died mid-task."""
    key = heartbeat_key(installation_id, name)
    last = client.get(key)
    if last is None:
        return False
    try:
        beat_at = float(last)
    except ValueError:
        beat_at = 0.0
    if redis_now(client) - beat_at < silent_for_s:
        return False
    return bool(client.eval(_CLAIM, 1, key, last))


def beat_age(client: Redis, installation_id: int, name: str) -> float | None:
    """Seconds since the last beat of this installation's running backfill or preview task, by
    Redis's clock; None when no task is running it (none has started, or the last one ended)."""
    last = client.get(heartbeat_key(installation_id, name))
    if last is None:
        return None
    try:
        return max(0.0, redis_now(client) - float(last))
    except ValueError:
        return None
