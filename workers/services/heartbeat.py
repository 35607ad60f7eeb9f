"""A running backfill task says it is alive, so the watchdog can tell a dead worker within seconds.

While a backfill task runs, a thread stores Redis's own time under the backfill's key every
``every_s``; when the task ends (done, handed on, retrying, failed) the key is deleted. So a key that
exists but has not been refreshed for ``worker_lost_after_s`` belongs to a task whose process died
(SIGKILL, OOM, a lost machine) mid-run: the watchdog requeues that backfill at once instead of waiting
for the broker's visibility timeout or the long ``stall_after_s``. A backfill between two tasks (its
continuation waiting in a busy queue) has no key and is never mistaken for a dead one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis

log = logging.getLogger(__name__)

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


def redis_now(client: redis.Redis) -> float:
    seconds, micros = client.time()
    return float(seconds) + micros / 1_000_000


def _beat(client: redis.Redis, key: str) -> None:
    client.set(key, f"{redis_now(client):.3f}", ex=KEY_TTL_S)


@contextmanager
def backfill_heartbeat(
    client: redis.Redis, installation_id: int, name: str, every_s: float
) -> Iterator[None]:
    """Beat while the block runs. Redis being down never fails the task: the beat is skipped."""
    key = heartbeat_key(installation_id, name)
    stop = threading.Event()

    def keep_beating() -> None:
        while not stop.wait(every_s):
            try:
                _beat(client, key)
            except redis.RedisError as exc:
                log.warning("backfill.heartbeat-failed", extra={"why": str(exc)[:200]})

    try:
        _beat(client, key)
    except redis.RedisError as exc:
        log.warning("backfill.heartbeat-failed", extra={"why": str(exc)[:200]})
    thread = threading.Thread(target=keep_beating, name=f"heartbeat-{installation_id}-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every_s + 5)
        try:
            client.delete(key)
        except redis.RedisError as exc:
            log.warning("backfill.heartbeat-failed", extra={"why": str(exc)[:200]})


def claim_if_silent(client: redis.Redis, installation_id: int, name: str, silent_for_s: float) -> bool:
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
