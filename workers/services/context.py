"""InstallationContext: everything a task needs for one installation, built from storage + settings.

The adapter comes complete from the provider registry (``connector/registry.py``) through
``workers/services/connections.py``. Reading an attribute never calls the CRM: the one CRM call made
here is the owner list, read when a service asks for the routing configuration
(``InstallationContext.load_routing()``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from connector.base import CrmAdapter
from connector.salesforce.limits import ApiBudget
from core.records import CrmKind, Owner
from core.settings import Settings
from routing.config import load_routing as parse_routing
from routing.owner_check import retire_inactive
from routing.types import RoutingConfig
from scoring.families import load_model
from scoring.icp import Icp, load_icp
from scoring.leadmodel import LearnedModel
from scoring.training import readiness
from storage import installations, models_registry
from storage.db import Redis, Sessions, make_engine, make_session_factory
from storage.oauth_store import DbTokenStore
from storage.redis_locks import RedisLimiter, RedisLocks
from storage.redis_namespace import connect
from storage.redis_state import RedisRoutingState
from storage.vault import Vault
from workers.services.config_hash import config_hash, config_texts
from workers.services.connections import Place, build_adapter, token_manager

_OWNERS_CACHE: dict[tuple[int, str, str], tuple[float, list[Owner]]] = {}
OWNERS_TTL_S = 600.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class InstallationGone(LookupError):
    """The installation was removed: the task logs and exits."""


class InstallationPaused(RuntimeError):
    """The installation needs re-authorization: work is kept and resumes after reinstall."""


@dataclass
class Runtime:
    """Process-wide resources (one per worker process)."""

    settings: Settings
    sessions: Sessions
    vault: Vault
    redis: Redis
    budgets: dict[tuple[int, str], ApiBudget] = field(default_factory=dict)  # Salesforce, per org

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings,
            make_session_factory(make_engine(settings.sqlalchemy_url)),
            Vault(settings.fernet_keys()),
            connect(settings.redis_url, settings.redis_prefix),
        )

    @cached_property
    def locks(self) -> RedisLocks:
        # Renewed while held: a change batch stuck in a CRM's retries (429s, 5xx) must keep its lock, or
        # a second task would read newer state, write it, and then see the first one's older write land.
        return RedisLocks(self.redis, ttl_s=15.0, wait_s=60.0, renew=True)

    @cached_property
    def page_locks(self) -> RedisLocks:
        """One backfill page at a time per backfill. Renewed while a page is handled (however slow the
        CRM), so a killed worker's lock lapses within 10 s and its redelivered task is not held up."""
        return RedisLocks(self.redis, prefix="leadq:page", ttl_s=10.0, wait_s=600.0, renew=True)

    @cached_property
    def limiter(self) -> RedisLimiter:
        return RedisLimiter(self.redis)


@dataclass
class InstallationContext:
    runtime: Runtime
    installation_id: int
    tenant_id: str  # the HubSpot account (portal) or Salesforce organization
    crm: CrmKind
    icp: Icp
    model: LearnedModel | None
    model_note: str
    adapter: CrmAdapter
    routing_text: str | None
    config_hash: str = ""  # of the ICP and routing texts this context scores with (a preview records it)
    clock: Callable[[], datetime] = utc_now  # the one clock of a task; tests set a fixed one

    @property
    def sessions(self) -> Sessions:
        return self.runtime.sessions

    def now(self) -> datetime:
        return self.clock()

    _routing: RoutingConfig | None = field(default=None, init=False, repr=False)

    def load_routing(self) -> RoutingConfig:
        """The routing configuration with the CRM's owners. Calls the CRM (``adapter.owners()``) at most
        every ``OWNERS_TTL_S`` per process and installation; the first answer is kept for this context."""
        if self._routing is None:
            key = (self.installation_id, self.crm.value, self.tenant_id)  # a reused id never sees old owners
            owners = _OWNERS_CACHE.get(key)
            if owners is None or time.monotonic() - owners[0] > OWNERS_TTL_S:
                owners = (time.monotonic(), self.adapter.owners())
                _OWNERS_CACHE[key] = owners
            # A rep deactivated in the CRM since the configuration was approved gets no new lead.
            self._routing = retire_inactive(parse_routing(self.routing_text, owners[1]), owners[1])
        return self._routing

    @cached_property
    def routing_state(self) -> RedisRoutingState:
        return RedisRoutingState(self.runtime.redis, self.installation_id)


def build_context(runtime: Runtime, installation_id: int, pending: bool = False) -> InstallationContext:
    """``pending``: use the configuration saved but not yet approved (for a preview's dry run)."""
    settings = runtime.settings
    with runtime.sessions() as session:
        row = installations.get(session, installation_id)
        if row is None:
            raise InstallationGone(f"installation {installation_id} does not exist")
        if row.status not in installations.WORKING:
            raise InstallationPaused(f"installation {installation_id} is {row.status}: {row.status_reason}")
        icp_text, routing_text = config_texts(row, settings, pending)
        champion = models_registry.champion(session, installation_id)
        tenant_id = row.tenant_id
        crm = CrmKind(row.crm_kind)
        instance_url, integration_user, auth_env = row.instance_url, row.installed_by, row.auth_env
        scopes = tuple((row.scopes or "").split())
    icp = load_icp(icp_text)
    model = load_model(champion.artifact) if champion is not None else None
    note = "" if model else readiness([], icp)[1]
    store = DbTokenStore(runtime.sessions, runtime.vault)
    tokens = token_manager(settings, installation_id, store, runtime.locks, crm, auth_env)
    place = Place(
        limiter=runtime.limiter,
        budget=lambda: _budget(runtime, installation_id, tenant_id),  # asked for by Salesforce only
        instance_url=instance_url,
        integration_user_id=integration_user,
        scopes=scopes,
    )
    return InstallationContext(
        runtime,
        installation_id,
        tenant_id,
        crm,
        icp,
        model,
        note,
        build_adapter(settings, crm, tenant_id, tokens, place),
        routing_text,
        config_hash=config_hash(icp_text, routing_text),
    )


def _budget(runtime: Runtime, installation_id: int, tenant_id: str) -> ApiBudget:
    """One per installation and process: it remembers the org's last reported usage between tasks;
    crossing leadq's share marks the installation throttled (with the reason), recovery clears it."""

    def throttled(reason: str) -> None:
        with runtime.sessions.begin() as session:
            row = installations.get(session, installation_id)
            if row is not None and row.status == installations.ACTIVE:
                installations.set_status(session, installation_id, installations.THROTTLED, reason)

    def cleared() -> None:
        with runtime.sessions.begin() as session:
            row = installations.get(session, installation_id)
            if row is not None and row.status == installations.THROTTLED:
                installations.set_status(session, installation_id, installations.ACTIVE, "")

    budget = runtime.budgets.get((installation_id, tenant_id))
    if budget is None:
        budget = ApiBudget(runtime.settings.salesforce_api_share, throttled, cleared)
        runtime.budgets[(installation_id, tenant_id)] = budget
    return budget
