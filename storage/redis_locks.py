"""Redis-backed coordination shared by every worker: per-installation locks and call limiters."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
# Sliding-window log on Redis's own clock (so workers' clocks never matter).
# KEYS[1] window zset; ARGV: limit, window ms, member. Returns 0 (go) or ms to wait.
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now_ms - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now_ms)
"""


class LockTimeout(RuntimeError):
    """Another worker held the lock for too long; the task retries later."""


class RedisLocks:
    """Named locks with a time to live. ``renew``: while held, a thread keeps extending the lock, so
    the holder may take as long as it needs, and a killed holder frees it within ``ttl_s``."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "leadq:lock",
        ttl_s: float = 30.0,
        wait_s: float = 30.0,
        renew: bool = False,
    ) -> None:
        self.client, self.prefix, self.ttl_s, self.wait_s, self.renew = client, prefix, ttl_s, wait_s, renew
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)

    def _keep_alive(self, key: str, token: str, stop: threading.Event) -> None:
        while not stop.wait(self.ttl_s / 3):
            try:
                if not self._renew(keys=[key], args=[token, int(self.ttl_s * 1000)]):
                    return  # lost it (expired, or Redis restarted empty): nothing left to extend
            except redis.RedisError:
                return

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        key, token = f"{self.prefix}:{name}", secrets.token_hex(16)
        deadline = time.monotonic() + self.wait_s
        while not self.client.set(key, token, nx=True, px=int(self.ttl_s * 1000)):
            if time.monotonic() > deadline:
                raise LockTimeout(f"lock {name!r} still held after {self.wait_s:.0f}s")
            time.sleep(0.02)
        stop = threading.Event()
        if self.renew:
            threading.Thread(target=self._keep_alive, args=(key, token, stop), daemon=True).start()
        try:
            yield
        finally:
            stop.set()
            self._release(keys=[key], args=[token])  # only our own lock, never one that expired and moved on


class RedisLimiter:
    """Limiter shared by every worker process: one sliding window per key in Redis."""

    def __init__(self, client: redis.Redis, prefix: str = "leadq:rate") -> None:
        self.client, self.prefix = client, prefix
        self._acquire = client.register_script(_ACQUIRE)

    def acquire(self, key: str, limit: int, window_s: float) -> None:
        while True:
            wait_ms = int(
                self._acquire(
                    keys=[f"{self.prefix}:{key}"], args=[limit, int(window_s * 1000), secrets.token_hex(8)]
                )
            )
            if wait_ms == 0:
                return
            time.sleep(wait_ms / 1000)
