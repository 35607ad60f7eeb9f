"""One worker process hammering a sandbox portal through a shared Redis limiter."""

from __future__ import annotations

import redis

from connector.base import ClientConfig
from connector.hubspot.adapter import HubSpotAdapter
from connector.hubspot.client import HubSpotCalls
from connector.hubspot.limits import Budget
from core.records import CrmKind, FieldUpdate, ObjectType, RecordRef
from storage.redis_locks import RedisLimiter
from workers.services.install import StaticTokens


def run(
    base_url: str, token: str, portal_id: str, redis_url: str, worker: int, ids: list[str], rounds: int
) -> int:
    calls = HubSpotCalls(
        ClientConfig(api_base=base_url),
        StaticTokens(token),
        RedisLimiter(redis.Redis.from_url(redis_url), prefix="leadq:test-rate"),
        portal_id,
        Budget(100, 4),
    )
    adapter = HubSpotAdapter(calls, portal_id)
    written = 0
    for round_ in range(rounds):
        updates = [
            FieldUpdate(
                RecordRef(CrmKind.HUBSPOT, portal_id, ObjectType.CONTACT, i),
                "jobtitle",
                f"w{worker}-r{round_}",
            )
            for i in ids
        ]
        report = adapter.write(updates)
        assert not report.failed
        written += len(report.written)
    return written
