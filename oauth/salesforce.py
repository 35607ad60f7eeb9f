"""Salesforce's web-server flow with PKCE: authorize URL, code exchange, refresh, revoke, identity.

Salesforce returns no ``expires_in`` (the session lives as long as the org's policy allows), so
tokens have no expiry here and are refreshed when a call is refused; with refresh-token rotation
each refresh token works once, which is why refreshes run under a per-installation lock. The
token answer's signature (HMAC-SHA256 of ``id + issued_at`` with the consumer secret) is checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

import requests

from oauth.errors import InvalidGrant, OAuthError, ProviderDown
from oauth.forms import post_form
from oauth.providers import SalesforceOAuth
from oauth.state import pkce_challenge
from oauth.tokens import TokenSet

INVALID_GRANT = ("invalid_grant", "inactive_user", "inactive_org", "invalid_client_id", "invalid_client")


def authorize_url(
    provider: SalesforceOAuth,
    state: str,
    verifier: str,
    login: str = "production",
    login_hint: str | None = None,
) -> str:
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": provider.redirect_uri,
        "scope": " ".join(provider.scopes),
        "state": state,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
        "prompt": "login consent",
    }
    if login_hint:
        query["login_hint"] = login_hint
    return f"{provider.base(login)}/services/oauth2/authorize?{urlencode(query)}"


def _post(session: requests.Session, url: str, form: dict[str, str], timeout: float) -> dict[str, Any]:
    return post_form(
        session, url, form, timeout, crm="Salesforce", refusal=_refusal, text_key="error_description"
    )


def _refusal(status_code: int, body: Any) -> OAuthError:
    error = body.get("error", "") if isinstance(body, dict) else ""
    described = body.get("error_description", "") if isinstance(body, dict) else ""
    kind = InvalidGrant if error in INVALID_GRANT else OAuthError
    return kind(
        f"Salesforce refused the request ({error}): {described}",
        status=status_code,
        body={"error": error, "error_description": described},
    )


def _check_signature(provider: SalesforceOAuth, body: dict[str, Any]) -> None:
    identity, issued_at, signature = body.get("id"), body.get("issued_at"), body.get("signature")
    if not (identity and issued_at and signature):
        raise OAuthError("Salesforce's token answer was not signed")
    expected = hmac.new(
        provider.client_secret.encode(), f"{identity}{issued_at}".encode(), hashlib.sha256
    ).digest()
    try:
        given = base64.b64decode(signature)
    except ValueError:
        given = b""
    if not hmac.compare_digest(expected, given):
        raise OAuthError("Salesforce's token answer had a bad signature: it did not come from this app's org")


def _tokens(body: dict[str, Any], refresh_token: str | None) -> TokenSet:
    identity = str(body["id"]).rstrip("/")
    parts = identity.split("/")
    org_id, user_id = (parts[-2], parts[-1]) if len(parts) >= 2 else ("", "")
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or refresh_token,
        expires_at=None,  # Salesforce says nothing: refresh when a call is refused
        tenant_id=org_id,
        user_id=user_id,
        scopes=tuple(str(body.get("scope", "")).split()),
        instance_url=str(body.get("instance_url") or "").rstrip("/") or None,
        identity_url=identity,
    )


def exchange_code(
    provider: SalesforceOAuth,
    session: requests.Session,
    code: str,
    verifier: str,
    login: str = "production",
    timeout: float = 30.0,
) -> TokenSet:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "redirect_uri": provider.redirect_uri,
        "code_verifier": verifier,
    }
    body = _post(session, f"{provider.base(login)}/services/oauth2/token", form, timeout)
    _check_signature(provider, body)
    tokens = _tokens(body, None)
    if not tokens.tenant_id or not tokens.tenant_id.startswith("00D"):
        raise OAuthError("Salesforce did not say which organization was installed")
    return tokens


def refresh(
    provider: SalesforceOAuth,
    session: requests.Session,
    refresh_token: str,
    login: str = "production",
    timeout: float = 30.0,
) -> TokenSet:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
    }
    body = _post(session, f"{provider.base(login)}/services/oauth2/token", form, timeout)
    _check_signature(provider, body)
    return _tokens(body, refresh_token)  # without rotation, the same refresh token stays valid


def revoke(
    provider: SalesforceOAuth,
    session: requests.Session,
    token: str,
    login: str = "production",
    timeout: float = 30.0,
) -> bool:
    try:
        response = session.post(
            f"{provider.base(login)}/services/oauth2/revoke", data={"token": token}, timeout=timeout
        )
    except requests.RequestException:
        return False
    return response.status_code == 200


def identity(session: requests.Session, tokens: TokenSet, timeout: float = 30.0) -> dict[str, Any]:
    """The identity URL's answer: organization and user ids, username, whether the user is active."""
    if not tokens.identity_url:
        raise OAuthError("no identity URL in the token answer")
    try:
        response = session.get(
            tokens.identity_url, headers={"Authorization": f"Bearer {tokens.access_token}"}, timeout=timeout
        )
    except requests.RequestException as exc:
        raise ProviderDown(f"Salesforce's identity URL could not be reached ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise OAuthError(
            f"Salesforce's identity URL answered {response.status_code}", status=response.status_code
        )
    identity: dict[str, Any] = response.json()
    return identity
