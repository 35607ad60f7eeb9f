"""Salesforce OAuth calls with ``responses``: signature check, PKCE, refresh with and without
rotation, refusals mapped to errors an admin can act on."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from oauth import salesforce as flows
from oauth.errors import InvalidGrant, OAuthError, ProviderDown
from oauth.providers import SalesforceOAuth
from oauth.state import new_pkce_verifier, pkce_challenge

PROVIDER = SalesforceOAuth(
    "cid",
    "secret",
    "https://leadq.test/oauth/salesforce/callback",
    login_base="https://login.example",
    sandbox_login_base="https://test.example",
)
TOKEN_URL = "https://login.example/services/oauth2/token"
IDENTITY = "https://login.example/id/00D000000000001AAA/005000000000001AAA"


def _answer(**extra: str) -> dict[str, str]:
    issued = "1795400000000"
    signature = base64.b64encode(hmac.new(b"secret", (IDENTITY + issued).encode(), hashlib.sha256).digest())
    body = {
        "access_token": "00D000000000001!tok",
        "id": IDENTITY,
        "issued_at": issued,
        "scope": "api refresh_token",
        "instance_url": "https://org.example",
        "token_type": "Bearer",
        "signature": signature.decode(),
    }
    return body | extra


def test_authorize_url_has_the_challenge_never_the_verifier() -> None:
    verifier = new_pkce_verifier()
    url = flows.authorize_url(PROVIDER, "state-token", verifier, "sandbox", login_hint="a@b.c")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://test.example/services/oauth2/authorize?")
    assert query["code_challenge"] == [pkce_challenge(verifier)] and verifier not in url
    assert query["login_hint"] == ["a@b.c"] and query["code_challenge_method"] == ["S256"]
    assert new_pkce_verifier() != verifier, "a fresh random verifier per flow"
    assert 43 <= len(verifier) <= 128 and set(verifier) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    ), "RFC 7636: 43-128 unreserved characters"


@responses.activate
def test_exchange_checks_the_signature_and_reads_org_and_user() -> None:
    responses.post(TOKEN_URL, json=_answer(refresh_token="r1"))
    tokens = flows.exchange_code(PROVIDER, requests.Session(), "code", "verifier")
    assert (tokens.tenant_id, tokens.user_id, tokens.instance_url) == (
        "00D000000000001AAA",
        "005000000000001AAA",
        "https://org.example",
    )
    assert tokens.expires_at is None and tokens.refresh_token == "r1"
    sent = parse_qs(responses.calls[0].request.body)
    assert sent["code_verifier"] == ["verifier"] and sent["grant_type"] == ["authorization_code"]
    assert "?" not in responses.calls[0].request.url, "nothing in the URL"


@responses.activate
def test_a_forged_signature_is_refused() -> None:
    responses.post(TOKEN_URL, json=_answer(signature=base64.b64encode(b"x" * 32).decode()))
    with pytest.raises(OAuthError, match="bad signature"):
        flows.exchange_code(PROVIDER, requests.Session(), "code", "verifier")


@responses.activate
def test_refresh_keeps_the_token_without_rotation_and_maps_refusals() -> None:
    responses.post(TOKEN_URL, json=_answer())
    assert flows.refresh(PROVIDER, requests.Session(), "r1").refresh_token == "r1"
    responses.replace(responses.POST, TOKEN_URL, json=_answer(refresh_token="r2"))
    assert flows.refresh(PROVIDER, requests.Session(), "r1").refresh_token == "r2"
    responses.replace(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "expired access/refresh token"},
    )
    with pytest.raises(InvalidGrant, match="expired access/refresh token"):
        flows.refresh(PROVIDER, requests.Session(), "r2")
    responses.replace(responses.POST, TOKEN_URL, status=503, body="down")
    with pytest.raises(ProviderDown):
        flows.refresh(PROVIDER, requests.Session(), "r2")
