"""Settings in, connection values out: each CRM's ``ClientConfig``, its OAuth provider and the token
manager that refreshes an installation's tokens. The one module of the worker layer that reads CRM
settings for the layers below (``connector`` and ``oauth`` never see settings).

``WIRING`` is the one table that pairs a ``CrmKind`` with its connection values and its OAuth token
refresh (the provider registry, ``connector/registry.py``, may not import ``oauth``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests

from connector.base import ClientConfig, CrmAdapter, Tokens
from connector.http import session as pinned_session
from connector.hubspot.limits import Budget, Limiter
from connector.registry import Connection, provider
from connector.salesforce.limits import ApiBudget
from core.records import CrmKind
from core.settings import Settings
from oauth import hubspot as hubspot_flows
from oauth import salesforce as salesforce_flows
from oauth.providers import HubSpotOAuth, SalesforceOAuth
from oauth.tokens import LockFactory, TokenManager, TokenSet, TokenStore


def hubspot_oauth(settings: Settings) -> HubSpotOAuth:
    return HubSpotOAuth(
        client_id=settings.hubspot_client_id,
        client_secret=settings.hubspot_client_secret.get_secret_value(),
        redirect_uri=settings.hubspot_redirect_uri,
        scopes=tuple(settings.hubspot_scopes.split()),
        optional_scopes=tuple(settings.hubspot_optional_scopes.split()),
        auth_base=settings.hubspot_auth_base,
        api_base=settings.hubspot_api_base,
        token_path=settings.hubspot_token_path,
        introspect_path=settings.hubspot_introspect_path,
        revoke_path=settings.hubspot_revoke_path,
    )


def salesforce_oauth(settings: Settings) -> SalesforceOAuth:
    return SalesforceOAuth(
        client_id=settings.salesforce_client_id,
        client_secret=settings.salesforce_client_secret.get_secret_value(),
        redirect_uri=settings.salesforce_redirect_uri,
        scopes=tuple(settings.salesforce_scopes.split()),
        login_base=settings.salesforce_login_base,
        sandbox_login_base=settings.salesforce_sandbox_login_base,
    )


def http_session(settings: Settings) -> requests.Session:
    return pinned_session(_ca_bundle(settings))


def budget(settings: Settings) -> Budget:
    return Budget(settings.hubspot_api_budget_per_10s, settings.hubspot_search_budget_per_s)


def _ca_bundle(settings: Settings) -> str | None:
    return str(settings.ca_bundle) if settings.ca_bundle else None


def client_config(settings: Settings) -> ClientConfig:
    """HubSpot's: the API host and leadq's app id (which marks leadq's own writes)."""
    return ClientConfig(
        api_base=settings.hubspot_api_base,
        timeout_s=settings.http_timeout_s,
        ca_bundle=_ca_bundle(settings),
        app_id=settings.hubspot_app_id or None,
        unreachable_attempts=settings.crm_unreachable_attempts,
    )


@dataclass(frozen=True)
class Place:
    """Where one installation lives and what it shares with others, beside its settings."""

    limiter: Limiter | None = None  # HubSpot: the shared rate limiter
    budget: Callable[[], ApiBudget] | None = None  # Salesforce: the org's API budget, kept between tasks
    instance_url: str = ""  # Salesforce: the org's API host
    integration_user_id: str = ""  # Salesforce: leadq's own user (its writes are echoes)
    own_fields_visible: bool = True  # False right after the code exchange, before provisioning
    scopes: tuple[str, ...] = ()  # what the installation granted (HubSpot's Leads need their scopes)


def _hubspot_connection(settings: Settings, tenant_id: str, tokens: Tokens, place: Place) -> Connection:
    return Connection(
        tenant_id,
        client_config(settings),
        tokens,
        limiter=place.limiter,
        budget=budget(settings),
        scopes=place.scopes,
    )


def _salesforce_connection(settings: Settings, tenant_id: str, tokens: Tokens, place: Place) -> Connection:
    config = ClientConfig(
        api_base=place.instance_url,
        timeout_s=settings.http_timeout_s,
        ca_bundle=_ca_bundle(settings),
        api_version=settings.salesforce_api_version,
        page_size=settings.salesforce_page_size,
        unreachable_attempts=settings.crm_unreachable_attempts,
    )
    return Connection(
        tenant_id,
        config,
        tokens,
        budget=place.budget() if place.budget else ApiBudget(settings.salesforce_api_share),
        integration_user_id=place.integration_user_id,
        own_fields_visible=place.own_fields_visible,
    )


Refresher = Callable[[str], TokenSet]


def _hubspot_refresher(settings: Settings, session: requests.Session, auth_env: str) -> Refresher:
    oauth = hubspot_oauth(settings)
    return lambda token: hubspot_flows.refresh(oauth, session, token, settings.http_timeout_s)


def _salesforce_refresher(settings: Settings, session: requests.Session, auth_env: str) -> Refresher:
    oauth = salesforce_oauth(settings)
    return lambda token: salesforce_flows.refresh(
        oauth, session, token, auth_env or "production", settings.http_timeout_s
    )


@dataclass(frozen=True, slots=True)
class Wiring:
    """One CRM's composition: its connection values from settings, and the refresh of an installation's
    token through its OAuth provider and flows (``hubspot_oauth``, ``salesforce_oauth``)."""

    connection: Callable[[Settings, str, Tokens, Place], Connection]
    refresher: Callable[[Settings, requests.Session, str], Refresher]


WIRING: dict[CrmKind, Wiring] = {
    CrmKind.HUBSPOT: Wiring(_hubspot_connection, _hubspot_refresher),
    CrmKind.SALESFORCE: Wiring(_salesforce_connection, _salesforce_refresher),
}


def build_adapter(
    settings: Settings, crm: CrmKind, tenant_id: str, tokens: Tokens, place: Place
) -> CrmAdapter:
    """One installation's adapter, complete: every value it needs is given here."""
    return provider(crm).build_adapter(WIRING[crm].connection(settings, tenant_id, tokens, place))


def token_manager(
    settings: Settings,
    installation_id: int,
    store: TokenStore,
    locks: LockFactory,
    crm: CrmKind = CrmKind.HUBSPOT,
    auth_env: str = "production",
) -> TokenManager:
    """Refreshes under a per-installation lock (Salesforce's rotating refresh tokens work once)."""
    refresher = WIRING[crm].refresher(settings, http_session(settings), auth_env)
    return TokenManager(installation_id, store, refresher, locks)
