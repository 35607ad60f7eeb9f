"""The sign-in throttle's counters in Redis: each try counted atomically, in one Lua script, before
its password is checked, and a success giving its count back.

The keys and limits are the caller's (``leadq.web.sign_in_throttle``); this module only runs the
scripts. ``UNREACHABLE`` is what a call raises when Redis does not answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

UNREACHABLE = redis.RedisError

# KEYS: pair, address, name, name's turn. ARGV: pair limit, address limit, name limit, window s,
# spacing ms. Returns {verdict, wait (s or ms), pair count, address count, name count}.
UNTRUSTED = """
local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
if pair >= tonumber(ARGV[1]) then return {'locked', redis.call('TTL', KEYS[1]), 0, 0, 0} end
local addr = tonumber(redis.call('GET', KEYS[2]) or '0')
if addr >= tonumber(ARGV[2]) then return {'locked', redis.call('TTL', KEYS[2]), 0, 0, 0} end
local name = tonumber(redis.call('GET', KEYS[3]) or '0')
if name >= tonumber(ARGV[3]) then
  if not redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[5]) then
    return {'slowed', redis.call('PTTL', KEYS[4]), 0, 0, 0}
  end
end
local counts = {}
for i = 1, 3 do
  counts[i] = redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[4]) end
end
return {'check', 0, counts[1], counts[2], counts[3]}
"""
# KEYS: the device's count. ARGV: limit, window s. Returns {verdict, wait s, count}.
TRUSTED = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return {'locked', redis.call('TTL', KEYS[1]), 0} end
n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {'check', 0, n}
"""
# A success: its own count (KEYS[1]) is cleared, its attempt is given back to the others.
SUCCEEDED = """
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 and tonumber(redis.call('GET', KEYS[i])) > 0 then
    redis.call('DECR', KEYS[i])
  end
end
return 0
"""


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def count_untrusted(
    client: redis.Redis, keys: Sequence[str], args: Sequence[int]
) -> tuple[str, int, list[int]]:
    """Run ``UNTRUSTED`` on (pair, address, name, name's turn): the verdict, the wait and the three counts."""
    verdict, wait, *counts = client.eval(UNTRUSTED, 4, *keys, *args)
    return _text(verdict), int(wait), [int(c) for c in counts]


def count_device(client: redis.Redis, key: str, limit: int, window_s: int) -> tuple[str, int, int]:
    """Run ``TRUSTED`` on a device's count: the verdict, the wait in seconds and the count."""
    verdict, wait, count = client.eval(TRUSTED, 1, key, limit, window_s)
    return _text(verdict), int(wait), int(count)


def give_back(client: redis.Redis, own: str, shared: Sequence[str]) -> None:
    """Run ``SUCCEEDED``: clear ``own`` and give the try back to each of ``shared``."""
    client.eval(SUCCEEDED, 1 + len(shared), own, *shared)
