"""Sign-in throttling, counted atomically BEFORE the password is checked, and device cookies.

An attempt takes its turn in one atomic step in Redis (check the locks, then count:
``storage.sign_in_counts``), so N simultaneous attempts can never have more passwords checked than the
limits allow; a success gives its count back.

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

from itsdangerous import BadData, URLSafeTimedSerializer

from storage import sign_in_counts
from storage.db import Redis

UNAVAILABLE = sign_in_counts.UNREACHABLE  # Redis did not answer: the caller fails open
DEVICE_COOKIE = "leadq_device"
DEVICE_COOKIE_MAX_AGE_S = 180 * 86_400
_MAX_ADDRESS_CHARS = 45  # the longest textual IPv6 address (with an embedded IPv4)


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


def untrusted_turn(client: Redis, name: str, address: str, limits: Limits) -> Turn:
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
    verdict, wait, counts = sign_in_counts.count_untrusted(client, [*keys.values(), gate], args)
    wait_s = -(-wait // 1000) if verdict == "slowed" else wait
    return Turn(
        verdict, max(1, wait_s) if verdict != "check" else 0, keys, dict(zip(keys, counts, strict=True))
    )


def trusted_turn(client: Redis, device_id: str, limits: Limits) -> Turn:
    keys = {"device": f"leadq:login:device:{device_id}"}
    verdict, wait, count = sign_in_counts.count_device(
        client, keys["device"], limits.per_device, limits.window_s
    )
    return Turn(verdict, max(1, wait) if verdict != "check" else 0, keys, {"device": count})


def succeeded(client: Redis, turn: Turn) -> None:
    """Clear the try's own count (the name-and-address pair, or the device) and give its try back to
    the address's and name's counts, which count failures only."""
    own = turn.keys.get("device") or turn.keys["name-and-address"]
    shared = [key for kind, key in turn.keys.items() if kind in ("address", "name")]
    sign_in_counts.give_back(client, own, shared)


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
