"""Sign-in throttling in Redis, counted atomically BEFORE the password is checked, and device cookies.

An attempt takes its turn in one Lua script (check the locks, then count), so N simultaneous attempts
can never have more passwords checked than the limits allow; a success gives its count back.

A device cookie (OWASP "Slow Down Online Guessing Attacks with Device Cookies") is set when an admin
signs in: signed with the app's secret key, it holds a random id, the admin's id and a keyed hash of
the name. A sign-in for that name from that browser is counted only against that cookie, never
against the per-name or per-address limits that anybody can trigger.

Names are never stored in clear nor as a plain hash: keys hold an HMAC-SHA256 of the name with a key
derived from the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any

import redis
from itsdangerous import BadData, URLSafeTimedSerializer

DEVICE_COOKIE = "leadq_device"
DEVICE_COOKIE_MAX_AGE_S = 180 * 86_400
_MAX_ADDRESS_CHARS = 45  # the longest textual IPv6 address (with an embedded IPv4)

# KEYS: pair, address, name, name's turn. ARGV: pair limit, address limit, name limit, window s,
# spacing ms. Returns {verdict, wait (s or ms), pair count, address count, name count}.
_UNTRUSTED = """
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
_TRUSTED = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return {'locked', redis.call('TTL', KEYS[1]), 0} end
n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {'check', 0, n}
"""
# A success: its own count (KEYS[1]) is cleared, its attempt is given back to the others.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 and tonumber(redis.call('GET', KEYS[i])) > 0 then
    redis.call('DECR', KEYS[i])
  end
end
return 0
"""


@dataclass(frozen=True)
class Limits:
    window_s: int
    per_pair: int
    per_address: int
    per_name: int
    name_spacing_s: int
    per_device: int


@dataclass(frozen=True)
class Turn:
    """The outcome of asking to check a password: ``verdict`` is "check", "locked" (wait seconds) or
    "slowed" (wait seconds); ``counts`` maps each counter's kind to its count including this try."""

    verdict: str
    wait_s: int
    keys: dict[str, str]
    counts: dict[str, int]


def name_key(secret_key: str, username: str) -> str:
    """A keyed hash of the (normalized) name: not recoverable by hashing guesses without the key."""
    derived = hmac.new(secret_key.encode(), b"leadq sign-in throttle names", hashlib.sha256).digest()
    return hmac.new(derived, username.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def parse_address(value: str | None) -> str | None:
    """The address a throttle counts under, or None if ``value`` is not an IP address. IPv6 counts
    per /64 (one subscriber's usual allocation), an IPv4-mapped IPv6 address as its IPv4 address."""
    if not value or len(value) > _MAX_ADDRESS_CHARS:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return ipaddress.IPv6Network((int(address), 64), strict=False).compressed
    return str(address)


def untrusted_turn(client: redis.Redis, name: str, address: str, limits: Limits) -> Turn:
    keys = {
        "name-and-address": f"leadq:login:pair:{name}:{address}",
        "address": f"leadq:login:addr:{address}",
        "name": f"leadq:login:name:{name}",
    }
    gate = f"leadq:login:spacing:{name}"
    args = (
        limits.per_pair,
        limits.per_address,
        limits.per_name,
        limits.window_s,
        limits.name_spacing_s * 1000,
    )
    verdict, wait, *counts = client.eval(_UNTRUSTED, 4, *keys.values(), gate, *args)
    verdict = verdict.decode() if isinstance(verdict, bytes) else str(verdict)
    wait_s = -(-int(wait) // 1000) if verdict == "slowed" else int(wait)
    return Turn(
        verdict,
        max(1, wait_s) if verdict != "check" else 0,
        keys,
        dict(zip(keys, map(int, counts), strict=True)),
    )


def trusted_turn(client: redis.Redis, device_id: str, limits: Limits) -> Turn:
    keys = {"device": f"leadq:login:device:{device_id}"}
    verdict, wait, count = client.eval(_TRUSTED, 1, keys["device"], limits.per_device, limits.window_s)
    verdict = verdict.decode() if isinstance(verdict, bytes) else str(verdict)
    return Turn(verdict, max(1, int(wait)) if verdict != "check" else 0, keys, {"device": int(count)})


def succeeded(client: redis.Redis, turn: Turn) -> None:
    """Clear the try's own count (the name-and-address pair, or the device) and give its try back to
    the address's and name's counts, which count failures only."""
    own = turn.keys.get("device") or turn.keys["name-and-address"]
    shared = [key for kind, key in turn.keys.items() if kind in ("address", "name")]
    client.eval(_SUCCEEDED, 1 + len(shared), own, *shared)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="leadq.device-cookie")


def new_device_cookie(secret_key: str, admin_id: int, username: str) -> str:
    payload = {"a": admin_id, "n": name_key(secret_key, username), "d": secrets.token_urlsafe(16)}
    return _serializer(secret_key).dumps(payload)


def device_id(secret_key: str, cookie: str | None, username: str) -> str | None:
    """The device's random id if ``cookie`` is a valid, unexpired device cookie for this name."""
    if not cookie or len(cookie) > 512:
        return None
    try:
        payload: Any = _serializer(secret_key).loads(cookie, max_age=DEVICE_COOKIE_MAX_AGE_S)
    except BadData:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), str):
        return None
    if not hmac.compare_digest(str(payload.get("n")), name_key(secret_key, username)):
        return None
    return payload["d"]
