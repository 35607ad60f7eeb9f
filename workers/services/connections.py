"""Composition for CRM connections: settings in, configured OAuth/adapter objects out.

An entry-point module (it reads settings); nothing below it does.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from sqlalchemy.orm import Session, sessionmaker

from connector.base import ClientConfig, ProvisionReport
from connector.fields import LEADQ_FIELDS
from connector.http import session as pinned_session
from connector.hubspot.adapter import HubSpotAdapter
from connector.hubspot.client import HubSpotCalls
from connector.hubspot.limits import Budget, Limiter
from connector.salesforce.adapter import SalesforceAdapter
from connector.salesforce.client import SalesforceCalls
from connector.salesforce.limits import ApiBudget
from core.logging import register_secret
from core.records import CrmKind
from core.settings import Settings
from oauth.hubspot import TokenSet, exchange_code
from oauth.providers import HubSpotOAuth, SalesforceOAuth
from oauth.tokens import LockFactory, TokenManager, TokenStore
from storage import installations
from storage.tokens import save_tokens
from storage.vault import Vault


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


def http_session(settings: Settings) -> requests.Session:
    return pinned_session(str(settings.ca_bundle) if settings.ca_bundle else None)


def client_config(settings: Settings) -> ClientConfig:
    return ClientConfig(
        api_base=settings.hubspot_api_base,
        timeout_s=settings.http_timeout_s,
        ca_bundle=str(settings.ca_bundle) if settings.ca_bundle else None,
        app_id=settings.hubspot_app_id or None,
    )


def budget(settings: Settings) -> Budget:
    return Budget(settings.hubspot_api_budget_per_10s, settings.hubspot_search_budget_per_s)


class StaticTokens:
    """A token that cannot be refreshed: for the minutes right after the code exchange."""

    def __init__(self, token: str) -> None:
        self.token = token

    def current(self) -> str:
        return self.token

    def after_unauthorized(self, rejected_token: str) -> str:
        from oauth.errors import InvalidGrant

        raise InvalidGrant("HubSpot refused a token it has just issued")


def hubspot_adapter(
    settings: Settings, portal_id: str, tokens: TokenManager | StaticTokens, limiter: Limiter
) -> HubSpotAdapter:
    calls = HubSpotCalls(client_config(settings), tokens, limiter, portal_id, budget(settings))
    return HubSpotAdapter(calls, portal_id, settings.hubspot_app_id or None)


def token_manager(
    settings: Settings,
    installation_id: int,
    store: TokenStore,
    locks: LockFactory,
    crm: CrmKind = CrmKind.HUBSPOT,
    auth_env: str = "production",
) -> TokenManager:
    """Refreshes under a per-installation lock (Salesforce's rotating refresh tokens work once)."""
    session = http_session(settings)
    if crm == CrmKind.SALESFORCE:
        from oauth import salesforce as sf_flows

        sf_provider = salesforce_oauth(settings)

        def refresher(token: str) -> TokenSet:
            return sf_flows.refresh(
                sf_provider, session, token, auth_env or "production", settings.http_timeout_s
            )

    else:
        from oauth.hubspot import refresh

        provider = hubspot_oauth(settings)

        def refresher(token: str) -> TokenSet:
            return refresh(provider, session, token, settings.http_timeout_s)

    return TokenManager(installation_id, store, refresher, locks)


def salesforce_oauth(settings: Settings) -> SalesforceOAuth:
    return SalesforceOAuth(
        client_id=settings.salesforce_client_id,
        client_secret=settings.salesforce_client_secret.get_secret_value(),
        redirect_uri=settings.salesforce_redirect_uri,
        scopes=tuple(settings.salesforce_scopes.split()),
        login_base=settings.salesforce_login_base,
        sandbox_login_base=settings.salesforce_sandbox_login_base,
    )


def salesforce_adapter(
    settings: Settings,
    org_id: str,
    instance_url: str,
    integration_user_id: str,
    tokens: TokenManager | StaticTokens,
    budget: ApiBudget | None = None,
) -> SalesforceAdapter:
    config = ClientConfig(
        api_base=instance_url,
        timeout_s=settings.http_timeout_s,
        ca_bundle=str(settings.ca_bundle) if settings.ca_bundle else None,
    )
    calls = SalesforceCalls(
        config,
        tokens,
        org_id,
        settings.salesforce_api_version,
        budget or ApiBudget(settings.salesforce_api_share),
    )
    return SalesforceAdapter(calls, org_id, integration_user_id, page_size=settings.salesforce_page_size)


def install_salesforce(
    settings: Settings,
    sessions: sessionmaker[Session],
    vault: Vault,
    code: str,
    verifier: str,
    auth_env: str,
) -> InstallResult:
    """Exchange the code (PKCE), confirm the org through the identity URL, provision leadq's fields
    and their field-level security, then store the installation and its tokens in one transaction."""
    from oauth import salesforce as sf_flows

    session = http_session(settings)
    provider = salesforce_oauth(settings)
    tokens = sf_flows.exchange_code(provider, session, code, verifier, auth_env, settings.http_timeout_s)
    register_secret(tokens.access_token)
    register_secret(tokens.refresh_token)
    identity = sf_flows.identity(session, tokens, settings.http_timeout_s)
    org_id, user_id = str(identity.get("organization_id") or ""), str(identity.get("user_id") or "")
    if org_id != tokens.hub_id or user_id != tokens.user_id:
        from oauth.errors import OAuthError

        raise OAuthError("Salesforce's identity answer named another organization or user than the token")
    if not tokens.refresh_token:
        from oauth.errors import OAuthError

        raise OAuthError("Salesforce issued no refresh token: the app must allow the 'refresh_token' scope")
    adapter = salesforce_adapter(
        settings, org_id, tokens.instance_url or "", user_id, StaticTokens(tokens.access_token)
    )
    adapter.read_leadq_fields = False
    report = adapter.ensure_fields(LEADQ_FIELDS)
    with sessions.begin() as db:
        row = installations.upsert_installation(
            db,
            CrmKind.SALESFORCE,
            org_id,
            installed_by=user_id,
            instance_url=tokens.instance_url or "",
            scopes=" ".join(tokens.scopes),
            auth_env=auth_env,
        )
        save_tokens(
            db,
            vault,
            row.id,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=None,
        )
        installation_id = row.id
    return InstallResult(installation_id, org_id, report.created + report.updated, _conflicts(report))


def _conflicts(report: ProvisionReport) -> dict[str, str]:
    """Only the fields leadq left alone; updated ones (labels, display) are listed as created are."""
    return {k: v for k, v in report.details.items() if k in report.conflicts}


@dataclass(frozen=True)
class InstallResult:
    installation_id: int
    portal_id: str
    created: tuple[str, ...]
    conflicts: dict[str, str]


def install_hubspot(
    settings: Settings, sessions: sessionmaker[Session], vault: Vault, code: str, limiter: Limiter
) -> InstallResult:
    """Exchange the code, provision leadq's properties, then store the installation in one transaction.

    Nothing is stored unless every step before it worked; a reinstall repairs the same row.
    """
    tokens: TokenSet = exchange_code(
        hubspot_oauth(settings), http_session(settings), code, settings.http_timeout_s
    )
    register_secret(tokens.access_token)
    register_secret(tokens.refresh_token)
    portal_id = str(tokens.hub_id)
    report = hubspot_adapter(settings, portal_id, StaticTokens(tokens.access_token), limiter).ensure_fields(
        LEADQ_FIELDS
    )
    with sessions.begin() as session:
        row = installations.upsert_installation(
            session,
            CrmKind.HUBSPOT,
            portal_id,
            installed_by=tokens.user_id or "",
            scopes=" ".join(tokens.scopes),
        )
        save_tokens(
            session,
            vault,
            row.id,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
        )
        installation_id = row.id
    return InstallResult(installation_id, portal_id, report.created + report.updated, _conflicts(report))


def mark_needs_reauth(sessions: sessionmaker[Session], installation_id: int, reason: str) -> None:
    """A refused refresh token (app uninstalled or revoked): pause the installation, keep its work."""
    import logging

    logging.getLogger(__name__).warning(
        "installation.needs-reauth", extra={"installation": installation_id, "reason": reason}
    )
    with sessions.begin() as session:
        installations.set_status(session, installation_id, installations.NEEDS_REAUTH, reason)
