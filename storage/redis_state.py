"""RoutingState on Redis: snapshot with one pipeline, commit as one atomic Lua script."""

from __future__ import annotations

from collections.abc import Sequence

import redis

from routing.types import Decision, RepLoad, Snapshot

# KEYS: 1 pool version, 2 pool counts hash, 3 open hash, 4 week hash
# ARGV: 1 expected version ("" = no pool), 2 rep ("" = none), 3 open cap ("" = none),
#       4 weekly cap ("" = none), 5 counts toward load ("1"/"0"), 6 week TTL seconds
_COMMIT = """
if ARGV[1] ~= '' then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if current ~= tonumber(ARGV[1]) then return 0 end
end
local rep = ARGV[2]
if rep ~= '' and ARGV[5] == '1' then
  local opened = tonumber(redis.call('HGET', KEYS[3], rep) or '0')
  local weekly = tonumber(redis.call('HGET', KEYS[4], rep) or '0')
  if ARGV[3] ~= '' and opened >= tonumber(ARGV[3]) then return 0 end
  if ARGV[4] ~= '' and weekly >= tonumber(ARGV[4]) then return 0 end
  redis.call('HINCRBY', KEYS[3], rep, 1)
  redis.call('HINCRBY', KEYS[4], rep, 1)
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[6]))
end
if ARGV[1] ~= '' then
  if rep ~= '' then redis.call('HINCRBY', KEYS[2], rep, 1) end
  redis.call('INCR', KEYS[1])
end
return 1
"""
_RELEASE = """
local value = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if value > 0 then redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
return 1
"""
WEEK_TTL_S = 21 * 86_400


class RedisRoutingState:
    def __init__(self, client: redis.Redis, installation_id: int, prefix: str = "leadq") -> None:
        self.client = client
        self.base = f"{prefix}:{installation_id}:routing"
        self._commit = client.register_script(_COMMIT)
        self._release = client.register_script(_RELEASE)

    def _keys(self, pool: str | None, week: str) -> list[str]:
        pool = pool or "-"
        return [
            f"{self.base}:pool:{pool}:version",
            f"{self.base}:pool:{pool}:counts",
            f"{self.base}:open",
            f"{self.base}:week:{week}",
        ]

    def snapshot(self, pools: Sequence[str], reps: Sequence[str], week: str) -> Snapshot:
        pipe = self.client.pipeline(transaction=True)  # MULTI: one consistent read
        pipe.hgetall(f"{self.base}:open")
        pipe.hgetall(f"{self.base}:week:{week}")
        for pool in pools:
            pipe.get(f"{self.base}:pool:{pool}:version")
            pipe.hgetall(f"{self.base}:pool:{pool}:counts")
        results = pipe.execute()
        opened = {k.decode(): int(v) for k, v in results[0].items()}
        weekly = {k.decode(): int(v) for k, v in results[1].items()}
        versions, counts = {}, {}
        for index, pool in enumerate(pools):
            versions[pool] = int(results[2 + 2 * index] or 0)
            counts[pool] = {k.decode(): int(v) for k, v in results[3 + 2 * index].items()}
        return Snapshot(
            week=week,
            loads={r: RepLoad(opened.get(r, 0), weekly.get(r, 0)) for r in reps},
            pool_counts=counts,
            pool_versions=versions,
        )

    def commit(self, decision: Decision, week: str) -> bool:
        open_cap, week_cap = decision.caps
        args = [
            "" if decision.pool is None else str(decision.expected_version or 0),
            decision.owner_id or "",
            "" if open_cap is None else str(open_cap),
            "" if week_cap is None else str(week_cap),
            "1" if decision.counts_toward_load else "0",
            str(WEEK_TTL_S),
        ]
        return bool(self._commit(keys=self._keys(decision.pool, week), args=args))

    def release(self, rep: str) -> None:
        self._release(keys=[f"{self.base}:open"], args=[rep])
