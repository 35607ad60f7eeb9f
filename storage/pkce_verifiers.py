"""Salesforce PKCE verifiers in Redis, under a hash of their flow's state nonce: kept for the life
of the state, and taken out once (a verifier serves one code exchange)."""

from __future__ import annotations

import hashlib

import redis


def _key(nonce: str) -> str:
    return "leadq:oauth:pkce:" + hashlib.sha256(nonce.encode()).hexdigest()


def keep(client: redis.Redis, nonce: str, verifier: str, ttl_s: int) -> None:
    """Hold ``verifier`` for the flow whose state carries ``nonce``, for ``ttl_s`` seconds."""
    client.set(_key(nonce), verifier, ex=ttl_s)


def take(client: redis.Redis, nonce: str) -> str | None:
    """The flow's verifier, removed in the same transaction; None when it expired or was taken."""
    with client.pipeline(transaction=True) as pipe:
        pipe.get(_key(nonce))
        pipe.delete(_key(nonce))
        stored, _deleted = pipe.execute()
    if not stored:
        return None
    return stored.decode() if isinstance(stored, bytes) else str(stored)
