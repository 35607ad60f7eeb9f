"""The performance step's input: each rep's (won, decided) per segment, from leadq's store.

Routing (``routing.decide``) turns each candidate's record on the lead's segment into a weight
multiplier within the routing file's ``[performance]`` floor and cap. The record is read here, from
the outcomes leadq stored and the routing log (``storage.rep_outcomes`` says which outcomes count),
over the last ``WINDOW`` days, only when the routing file switches the step on. One query per
installation, kept for ``TTL`` in the process (on the task's clock), so a batch of leads, or the
batches of the next minutes, never read it again; a new day's outcomes show within ``TTL``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from routing.types import RoutingConfig
from storage import rep_outcomes
from storage.rep_outcomes import Record
from workers.services.context import InstallationContext

WINDOW = timedelta(days=180)
TTL = timedelta(minutes=5)

# (database, installation, CRM, tenant) -> (read at, on the task's clock; the record)
_CACHE: dict[tuple[str, int, str, str], tuple[datetime, Record]] = {}


def performance_on(config: RoutingConfig) -> bool:
    """Whether the routing file switches the performance step on (it is on by default)."""
    return bool(config.steps.get("performance", True))


def _key(ctx: InstallationContext) -> tuple[str, int, str, str]:
    bind = ctx.sessions.kw.get("bind")
    database = str(bind.url) if bind is not None else ""  # the password masked; a reused id differs here
    return (database, ctx.installation_id, ctx.crm.value, ctx.tenant_id)


def rep_record(ctx: InstallationContext, config: RoutingConfig) -> Record | None:
    """(rep owner id, segment) -> (won, decided) over the last ``WINDOW``, for ``route_and_commit``'s
    ``performance``; None when the routing file switches the step off (nothing is read)."""
    if not performance_on(config):
        return None
    now, key = ctx.now(), _key(ctx)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] <= now < cached[0] + TTL:
        return cached[1]
    with ctx.sessions() as session:
        record = rep_outcomes.won_and_decided(session, ctx.installation_id, now - WINDOW)
    for stale in [k for k, (at, _r) in _CACHE.items() if not at <= now < at + TTL]:
        _CACHE.pop(stale, None)  # other installations' expired reads: the cache stays small
    _CACHE[key] = (now, record)
    return record
