"""Installing leadq into a CRM: exchange the OAuth code, provision leadq's fields, then store the
installation and its tokens in one transaction. Nothing is stored unless every step before it worked;
a reinstall repairs the same row. Also where a refused refresh token pauses an installation."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connector.base import ProvisionReport
from connector.hubspot.limits import Limiter
from connector.registry import provider
from core.logging import register_secret
from core.records import CrmKind
from core.settings import Settings
from oauth import hubspot as hubspot_flows
from oauth import salesforce as salesforce_flows
from oauth.errors import InvalidGrant, OAuthError
from oauth.tokens import TokenSet
from storage import installations
from storage.db import Sessions
from storage.tokens import save_tokens
from storage.vault import Vault
from workers.services.connections import (
    Place,
    build_adapter,
    http_session,
    hubspot_oauth,
    salesforce_oauth,
)

log = logging.getLogger(__name__)


class StaticTokens:
    """A token that cannot be refreshed: for the minutes right after the code exchange."""

    def __init__(self, token: str) -> None:
        self.token = token

    def current(self) -> str:
        return self.token

    def after_unauthorized(self, rejected_token: str) -> str:
        raise InvalidGrant("the CRM refused a token it has just issued")


@dataclass(frozen=True)
class InstallResult:
    installation_id: int
    tenant_id: str  # the HubSpot account (portal) or Salesforce organization installed
    created: tuple[str, ...]
    conflicts: dict[str, str]


def install_hubspot(
    settings: Settings, sessions: Sessions, vault: Vault, code: str, limiter: Limiter
) -> InstallResult:
    """Exchange the code, provision leadq's properties, store the installation and its tokens."""
    tokens = hubspot_flows.exchange_code(
        hubspot_oauth(settings), http_session(settings), code, settings.http_timeout_s
    )
    _register(tokens)
    tenant_id = str(tokens.tenant_id)
    adapter = build_adapter(
        settings,
        CrmKind.HUBSPOT,
        tenant_id,
        StaticTokens(tokens.access_token),
        Place(limiter=limiter, scopes=tuple(tokens.scopes)),
    )
    report = adapter.ensure_fields(provider(CrmKind.HUBSPOT).field_map.fields)
    installation_id = _store(
        sessions, vault, CrmKind.HUBSPOT, tenant_id, tokens, installed_by=tokens.user_id or ""
    )
    return _result(installation_id, tenant_id, report)


def install_salesforce(
    settings: Settings, sessions: Sessions, vault: Vault, code: str, verifier: str, auth_env: str
) -> InstallResult:
    """Exchange the code (PKCE), confirm the org through the identity URL, provision leadq's fields
    and their field-level security, then store the installation and its tokens."""
    session = http_session(settings)
    tokens = salesforce_flows.exchange_code(
        salesforce_oauth(settings), session, code, verifier, auth_env, settings.http_timeout_s
    )
    _register(tokens)
    identity = salesforce_flows.identity(session, tokens, settings.http_timeout_s)
    tenant_id, user_id = str(identity.get("organization_id") or ""), str(identity.get("user_id") or "")
    if tenant_id != tokens.tenant_id or user_id != tokens.user_id:
        raise OAuthError("Salesforce's identity answer named another organization or user than the token")
    if not tokens.refresh_token:
        raise OAuthError("Salesforce issued no refresh token: the app must allow the 'refresh_token' scope")
    place = Place(
        instance_url=tokens.instance_url or "", integration_user_id=user_id, own_fields_visible=False
    )
    adapter = build_adapter(settings, CrmKind.SALESFORCE, tenant_id, StaticTokens(tokens.access_token), place)
    report = adapter.ensure_fields(provider(CrmKind.SALESFORCE).field_map.fields)
    installation_id = _store(
        sessions,
        vault,
        CrmKind.SALESFORCE,
        tenant_id,
        tokens,
        installed_by=user_id,
        instance_url=tokens.instance_url or "",
        auth_env=auth_env,
        expires=False,
    )
    return _result(installation_id, tenant_id, report)


def _register(tokens: TokenSet) -> None:
    register_secret(tokens.access_token)
    register_secret(tokens.refresh_token)


def _store(
    sessions: Sessions,
    vault: Vault,
    crm: CrmKind,
    tenant_id: str,
    tokens: TokenSet,
    *,
    installed_by: str,
    instance_url: str = "",
    auth_env: str = "",
    expires: bool = True,
) -> int:
    """The installation row and its tokens, in one transaction; ``expires=False``: Salesforce
    tokens carry no expiry (they are refreshed when a call is refused)."""
    with sessions.begin() as db:
        row = installations.upsert_installation(
            db,
            crm,
            tenant_id,
            installed_by=installed_by,
            instance_url=instance_url,
            scopes=" ".join(tokens.scopes),
            auth_env=auth_env,
        )
        save_tokens(
            db,
            vault,
            row.id,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at if expires else None,
        )
        return row.id


def _result(installation_id: int, tenant_id: str, report: ProvisionReport) -> InstallResult:
    """Only the fields leadq left alone are conflicts; updated ones (labels, display) are listed as
    created are."""
    conflicts = {k: v for k, v in report.details.items() if k in report.conflicts}
    return InstallResult(installation_id, tenant_id, report.created + report.updated, conflicts)


def mark_needs_reauth(sessions: Sessions, installation_id: int, reason: str) -> None:
    """A refused refresh token (app uninstalled or revoked): pause the installation, keep its work."""
    log.warning("installation.needs-reauth", extra={"installation": installation_id, "reason": reason})
    with sessions.begin() as session:
        installations.set_status(session, installation_id, installations.NEEDS_REAUTH, reason)


def hubspot_user(settings: Settings, code: str) -> tuple[str, str]:
    """Who signed in through HubSpot (account, user); the sign-in's refresh token is revoked at once."""
    http, oauth = http_session(settings), hubspot_oauth(settings)
    tokens = hubspot_flows.exchange_code(oauth, http, code, settings.http_timeout_s)
    if tokens.refresh_token:
        hubspot_flows.revoke(oauth, http, tokens.refresh_token, settings.http_timeout_s)
    return str(tokens.tenant_id), str(tokens.user_id or "")


def salesforce_user(settings: Settings, code: str, verifier: str, auth_env: str) -> tuple[str, str]:
    """Who signed in through Salesforce (organization, user); both of the sign-in's tokens are revoked."""
    http, oauth = http_session(settings), salesforce_oauth(settings)
    tokens = salesforce_flows.exchange_code(oauth, http, code, verifier, auth_env, settings.http_timeout_s)
    who = salesforce_flows.identity(http, tokens, settings.http_timeout_s)
    for token in (tokens.refresh_token, tokens.access_token):
        if token:
            salesforce_flows.revoke(oauth, http, token, auth_env, settings.http_timeout_s)
    return str(who.get("organization_id")), str(who.get("user_id"))
