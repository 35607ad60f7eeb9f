"""The OAuth calls leadq makes itself, with ``requests`` (the SDK only knows HubSpot's v1 paths).

Every parameter goes in the form body, never in a URL; every failure becomes an
``oauth.errors`` type; the injected session carries timeouts and CA trust.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests

from oauth.errors import InvalidGrant, OAuthError, ProviderDown
from oauth.forms import post_form
from oauth.providers import HubSpotOAuth
from oauth.tokens import TokenSet

log = logging.getLogger(__name__)


def authorize_url(provider: HubSpotOAuth, state: str) -> str:
    query = {
        "client_id": provider.client_id,
        "redirect_uri": provider.redirect_uri,
        "scope": " ".join(provider.scopes),
        "state": state,
    }
    if provider.optional_scopes:
        query["optional_scope"] = " ".join(provider.optional_scopes)
    # quote, not quote_plus: spaces as %20, as HubSpot documents
    return f"{provider.auth_base}/oauth/authorize?{urlencode(query, quote_via=quote)}"


def _post(session: requests.Session, url: str, form: dict[str, str], timeout: float) -> dict[str, Any]:
    return post_form(session, url, form, timeout, crm="HubSpot", refusal=_refusal, text_key="message")


def _refusal(status_code: int, body: Any) -> OAuthError:
    if status_code < 400:
        return ProviderDown("HubSpot's token answer had no access token")
    status = body.get("status") if isinstance(body, dict) else None
    message = body.get("message", "") if isinstance(body, dict) else ""
    if status in ("BAD_REFRESH_TOKEN", "BAD_AUTH_CODE", "EXPIRED_AUTH_CODE", "BAD_REDIRECT_URI") or (
        status_code == 400 and not status
    ):
        return InvalidGrant(
            f"HubSpot refused the grant: {message or status}",
            status=status_code,
            body={k: v for k, v in body.items() if k != "access_token"},
        )
    return OAuthError(f"HubSpot refused the request ({status or status_code}): {message}", status=status_code)


def _tokens(body: dict[str, Any], now: datetime) -> TokenSet:
    expires_in = body.get("expires_in")
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token"),
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
        tenant_id=str(body["hub_id"]) if body.get("hub_id") is not None else None,
        user_id=str(body["user_id"]) if body.get("user_id") is not None else None,
        scopes=tuple(body.get("scopes") or ()),
    )


def exchange_code(
    provider: HubSpotOAuth,
    session: requests.Session,
    code: str,
    timeout: float = 30.0,
    code_verifier: str | None = None,
) -> TokenSet:
    form = {
        "grant_type": "authorization_code",
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "redirect_uri": provider.redirect_uri,
        "code": code,
    }
    if code_verifier:
        form["code_verifier"] = code_verifier
    now = datetime.now(UTC)
    tokens = _tokens(_post(session, provider.api_base + provider.token_path, form, timeout), now)
    if tokens.tenant_id is None:
        tokens = _with_hub_id(provider, session, tokens, timeout)
    return tokens


def _with_hub_id(
    provider: HubSpotOAuth, session: requests.Session, tokens: TokenSet, timeout: float
) -> TokenSet:
    """The v1 token answer lacks hub_id: ask the introspection endpoint (POST, token in the body)."""
    info = introspect(provider, session, tokens.access_token, timeout)
    if not info.get("active") or info.get("hub_id") is None:
        raise OAuthError("HubSpot did not say which account was installed")
    return TokenSet(
        tokens.access_token,
        tokens.refresh_token,
        tokens.expires_at,
        str(info["hub_id"]),
        str(info.get("user_id") or "") or None,
        tuple(info.get("scopes") or ()),
    )


def introspect(
    provider: HubSpotOAuth, session: requests.Session, token: str, timeout: float = 30.0
) -> dict[str, Any]:
    form = {"client_id": provider.client_id, "client_secret": provider.client_secret, "token": token}
    try:
        response = session.post(provider.api_base + provider.introspect_path, data=form, timeout=timeout)
    except requests.RequestException as exc:
        raise ProviderDown(
            f"HubSpot's introspection endpoint could not be reached ({type(exc).__name__})"
        ) from None
    if response.status_code >= 400:
        raise ProviderDown(f"HubSpot's introspection endpoint answered {response.status_code}")
    answer: dict[str, Any] = response.json()
    return answer


def refresh(
    provider: HubSpotOAuth, session: requests.Session, refresh_token: str, timeout: float = 30.0
) -> TokenSet:
    form = {
        "grant_type": "refresh_token",
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "refresh_token": refresh_token,
    }
    tokens = _tokens(
        _post(session, provider.api_base + provider.token_path, form, timeout), datetime.now(UTC)
    )
    if tokens.refresh_token is None:
        tokens = TokenSet(
            tokens.access_token,
            refresh_token,
            tokens.expires_at,
            tokens.tenant_id,
            tokens.user_id,
            tokens.scopes,
        )
    return tokens


def revoke(provider: HubSpotOAuth, session: requests.Session, token: str, timeout: float = 30.0) -> bool:
    """Revoke a refresh token at the v3 endpoint (form body); False when HubSpot refused or was down."""
    form = {
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "token": token,
        "token_type_hint": "refresh_token",
    }
    try:
        response = session.post(provider.api_base + provider.revoke_path, data=form, timeout=timeout)
    except requests.RequestException:
        return False
    return response.status_code < 300
