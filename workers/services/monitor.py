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

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from core.records import CrmKind, Owner
from monitoring.compute import monitor
from monitoring.frames import MonitorInput, RepFacts
from monitoring.report import MonitorReport
from routing.config import load_routing
from routing.owner_check import retire_inactive
from routing.state import week_key
from routing.types import RoutingConfig
from storage import installations, lead_directory, monitor_reads, routing_log
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


def rep_facts(
    config: RoutingConfig, state: RedisRoutingState, now: datetime, names: Mapping[str, str] | None = None
) -> list[RepFacts]:
    """Each rep as the routing file says today, with the open leads the routing state counts.
    ``names``: owner id -> the name leadq read for them, for a rep the routing file names only by id
    (reps taken from the CRM's owner list)."""
    ids = [r.owner_id for r in config.reps]
    loads = state.snapshot([], ids, week_key(now)).loads if ids else {}
    known = names or {}

    def name_of(owner_id: str, name: str) -> str:
        return known.get(owner_id, name) if not name or name == owner_id else name

    return [
        RepFacts(
            owner_id=r.owner_id,
            name=name_of(r.owner_id, r.name),
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
        crm, tenant_id, installed_at = row.crm_kind, row.tenant_id, aware(row.created_at)
    known = _owners(runtime, installation_id, crm, tenant_id, owners)
    config = retire_inactive(load_routing(routing_text, known), known)
    with runtime.sessions() as session:
        names = lead_directory.owner_names(session, installation_id)
        reps = rep_facts(config, RedisRoutingState(runtime.redis, installation_id), now, names)
        read = monitor_reads.monitor_input(
            session,
            installation_id,
            aware(now),
            reps,
            fallback_queues(config),
            config.performance_floor,
            config.performance_cap,
            sample_size=sample_size,
        )
    return replace(read, installed_at=installed_at)


def report_for(source: Runtime | InstallationContext, installation_id: int, now: datetime) -> MonitorReport:
    """One installation's monitoring at ``now``: what ``monitor_input_for`` reads from leadq's store,
    computed by ``monitoring.compute.monitor``. What the admin page, ``leadq monitor`` and the
    alarms' beat job read. Raises ``InstallationGone`` for an unknown installation."""
    return monitor(monitor_input_for(source, installation_id, now), installation_id)
