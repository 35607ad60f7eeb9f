"""What one installation's monitoring reads, gathered from leadq's own store (never the CRM).

``monitor_input_for(source, installation_id, now)`` loads the installation's approved routing file
(reps with their weight, capacity and active flag; the fallback queues; the performance floor and
cap), each rep's open leads from the routing state, and hands them with the store's scores, outcomes
and routing log (``storage.monitor_reads``) to the pure ``monitoring`` package.

No CRM call is made. A routing file without ``[[reps]]`` takes its reps from the CRM's owner list:
here the owners come from ``owners`` when the caller has them, else from the owner list this process
last read (``context._OWNERS_CACHE``), else from the owners leadq's routing log assigned leads to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.records import CrmKind, Owner
from monitoring.compute import monitor
from monitoring.frames import MonitorInput, RepFacts
from monitoring.report import MonitorReport
from routing.config import load_routing
from routing.owner_check import retire_inactive
from routing.state import week_key
from routing.types import RoutingConfig
from storage import installations, monitor_reads, routing_log
from storage.redis_state import RedisRoutingState
from storage.stamps import aware
from workers.services.config_hash import config_texts
from workers.services.context import _OWNERS_CACHE, InstallationContext, InstallationGone, Runtime


def fallback_queues(config: RoutingConfig) -> frozenset[str]:
    """The queues a lead is parked in when nobody qualifies: the fallback queue and the teams' queues
    (not the disqualified or nurture queues: parking there is the intended route)."""
    return frozenset(q for q in (config.fallback_queue, *config.team_queues.values()) if q)


def _owners(
    runtime: Runtime, installation_id: int, crm: str, tenant_id: str, given: Sequence[Owner]
) -> list[Owner]:
    if given:
        return list(given)
    cached = _OWNERS_CACHE.get((installation_id, crm, tenant_id))
    if cached is not None:
        return list(cached[1])
    with runtime.sessions() as session:  # the owners leadq routed to, when nothing better is known
        seen = sorted(set(routing_log.newest_owners(session, installation_id).values()))
    return [Owner(CrmKind(crm), o) for o in seen]


def rep_facts(config: RoutingConfig, state: RedisRoutingState, now: datetime) -> list[RepFacts]:
    """Each rep as the routing file says today, with the open leads the routing state counts."""
    ids = [r.owner_id for r in config.reps]
    loads = state.snapshot([], ids, week_key(now)).loads if ids else {}
    return [
        RepFacts(
            owner_id=r.owner_id,
            name=r.name,
            weight=r.weight,
            active=r.active,
            open_capacity=r.open_capacity,
            weekly_capacity=r.weekly_capacity,
            open_leads=loads[r.owner_id].open if r.owner_id in loads else 0,
        )
        for r in config.reps
    ]


def monitor_input_for(
    source: Runtime | InstallationContext,
    installation_id: int,
    now: datetime,
    owners: Sequence[Owner] = (),
    sample_size: int = 20_000,
) -> MonitorInput:
    """Everything ``monitoring`` computes from for one installation at ``now`` (aware UTC): reads
    the database and Redis only. ``source``: a worker's runtime, or a task's context (its runtime is
    used). ``owners``: the CRM's owner list when the caller already has it (see the module's doc).
    Raises ``InstallationGone`` for an unknown installation."""
    runtime = source.runtime if isinstance(source, InstallationContext) else source
    with runtime.sessions() as session:
        row = installations.get(session, installation_id)
        if row is None:
            raise InstallationGone(f"installation {installation_id} does not exist")
        _icp, routing_text = config_texts(row, runtime.settings, pending=False)
        crm, tenant_id = row.crm_kind, row.tenant_id
    known = _owners(runtime, installation_id, crm, tenant_id, owners)
    config = retire_inactive(load_routing(routing_text, known), known)
    reps = rep_facts(config, RedisRoutingState(runtime.redis, installation_id), now)
    with runtime.sessions() as session:
        return monitor_reads.monitor_input(
            session,
            installation_id,
            aware(now),
            reps,
            fallback_queues(config),
            config.performance_floor,
            config.performance_cap,
            sample_size=sample_size,
        )


def report_for(source: Runtime | InstallationContext, installation_id: int, now: datetime) -> MonitorReport:
    """One installation's monitoring at ``now``: what ``monitor_input_for`` reads from leadq's store,
    computed by ``monitoring.compute.monitor``. What the admin page, ``leadq monitor`` and the
    alarms' beat job read. Raises ``InstallationGone`` for an unknown installation."""
    return monitor(monitor_input_for(source, installation_id, now), installation_id)
