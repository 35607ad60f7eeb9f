"""A per-installation limit on inbound records (Salesforce outbound-message notifications).

A fixed one-minute window counted in Redis (``INCRBY`` + ``EXPIRE``), shared by every web process.
Over the limit the endpoint answers 503 so Salesforce keeps the message and retries it later;
the poll finds the same changes meanwhile, so nothing is lost.
"""

from __future__ import annotations

import time

import redis

WINDOW_S = 60


def allow(client: redis.Redis, installation_id: int, records: int, per_minute: int) -> bool:
    """Count ``records`` against this installation's current minute; False once over the limit."""
    window = int(time.time() // WINDOW_S)
    key = f"leadq:inbound:{installation_id}:{window}"
    pipe = client.pipeline()
    pipe.incrby(key, records)
    pipe.expire(key, WINDOW_S * 2)
    total, _ = pipe.execute()
    return int(total) <= per_minute
