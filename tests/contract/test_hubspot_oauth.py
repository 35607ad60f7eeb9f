"""OAuth against the sandbox: the SDK's v1 calls, the v3 endpoints, expiry, revocation, uninstall."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import hubspot
import pytest
import requests
from hubspot.crm.contacts import ApiException

from sandbox.clock import ManualClock
from sandbox.pytest_plugin import DEFAULT_SCOPES, authorize, install

REDIRECT = "http://localhost/callback"


def _code_form(sandbox, code: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "redirect_uri": REDIRECT,
        "code": code,
    }


def test_given_a_code_when_the_sdk_exchanges_it_on_v1_then_tokens_and_token_info_work(sandbox):
    code = authorize(sandbox, REDIRECT)
    client = hubspot.Client.create(host=sandbox.base_url)
    tokens = client.oauth.tokens_api.create(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
    )
    assert tokens.expires_in == 1800 and tokens.token_type == "bearer" and len(tokens.access_token) > 100
    info = client.oauth.access_tokens_api.get(tokens.access_token)
    assert info.hub_id == sandbox.portal_id and info.app_id == sandbox.app_id
    assert "crm.objects.contacts.write" in info.scopes
    sent = sandbox.requests.entries(lambda e: e.path == "/oauth/v1/token")[0]
    assert sent.body["grant_type"] == "authorization_code" and sent.body["code"] == "<redacted>"


def test_given_a_code_when_exchanged_twice_then_the_second_is_expired_auth_code(sandbox):
    code = authorize(sandbox, REDIRECT)
    form = _code_form(sandbox, code)
    assert requests.post(f"{sandbox.base_url}/oauth/v1/token", data=form, timeout=5).status_code == 200
    again = requests.post(f"{sandbox.base_url}/oauth/v1/token", data=form, timeout=5)
    assert again.status_code == 400 and again.json()["status"] == "EXPIRED_AUTH_CODE"
    unknown = requests.post(f"{sandbox.base_url}/oauth/v1/token", data=form | {"code": "nope"}, timeout=5)
    assert unknown.json()["status"] == "BAD_AUTH_CODE"


def test_given_v3_token_endpoint_then_the_portal_id_comes_back_and_refresh_works(sandbox):
    tokens = install(sandbox, REDIRECT)
    assert tokens["hub_id"] == sandbox.portal_id and tokens["token_use"] == "access_token"
    form = {
        "grant_type": "refresh_token",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "refresh_token": tokens["refresh_token"],
    }
    refreshed = requests.post(f"{sandbox.base_url}/oauth/2026-03/token", data=form, timeout=5).json()
    assert refreshed["access_token"] != tokens["access_token"] and refreshed["expires_in"] == 1800


def test_given_secrets_in_the_query_string_when_calling_v3_then_400(sandbox):
    response = requests.post(
        f"{sandbox.base_url}/oauth/v3/token",
        params={"client_secret": sandbox.client_secret},
        data={},
        timeout=5,
    )
    body = response.json()
    assert response.status_code == 400 and body["category"] == "VALIDATION_ERROR" and "correlationId" in body


def test_given_introspection_then_active_tokens_describe_the_install_and_revoked_ones_do_not(sandbox):
    tokens = install(sandbox, REDIRECT)
    creds = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
    url = f"{sandbox.base_url}/oauth/v3/token"
    live = requests.post(
        f"{url}/introspect", data=creds | {"token": tokens["access_token"]}, timeout=5
    ).json()
    assert (
        live["active"]
        and live["hub_id"] == sandbox.portal_id
        and live["signed_access_token"]["appId"] == sandbox.app_id
    )
    assert requests.post(
        f"{url}/revoke",
        data=creds | {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        timeout=5,
    ).ok
    gone = requests.post(
        f"{url}/introspect", data=creds | {"token": tokens["refresh_token"]}, timeout=5
    ).json()
    assert gone == {"active": False}
    refresh = requests.post(
        url, data=creds | {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, timeout=5
    )
    assert refresh.status_code == 400 and refresh.json()["category"] == "VALIDATION_ERROR"
    v1 = requests.post(
        f"{sandbox.base_url}/oauth/v1/token",
        data=creds | {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        timeout=5,
    )
    assert v1.json()["status"] == "BAD_REFRESH_TOKEN"


def test_given_30_minutes_passed_when_calling_the_api_then_401_expired_authentication(sandbox_factory):
    clock = ManualClock(1_790_000_000.0)
    running = sandbox_factory(seed=5, records=10, clock=clock)
    client = hubspot.Client.create(
        access_token=install(running, REDIRECT)["access_token"], host=running.base_url
    )
    assert client.crm.contacts.basic_api.get_page(limit=1).results
    clock.advance(1800 + 120)
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_page(limit=1)
    body = json.loads(caught.value.body)
    assert caught.value.status == 401 and body["category"] == "EXPIRED_AUTHENTICATION"
    assert body["message"] == "The OAuth token used to make this call expired 2 minute(s) ago."


def test_given_an_uninstall_then_tokens_stop_working_and_refresh_is_refused(sandbox):
    tokens = install(sandbox, REDIRECT)
    requests.post(f"{sandbox.base_url}/_sandbox/hubspot/portals/{sandbox.portal_id}/uninstall", timeout=5)
    client = hubspot.Client.create(access_token=tokens["access_token"], host=sandbox.base_url)
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_page(limit=1)
    assert (
        caught.value.status == 401 and json.loads(caught.value.body)["category"] == "INVALID_AUTHENTICATION"
    )
    refresh = requests.post(
        f"{sandbox.base_url}/oauth/v1/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "refresh_token": tokens["refresh_token"],
        },
        timeout=5,
    )
    assert refresh.json()["status"] == "BAD_REFRESH_TOKEN"


def test_given_a_denied_consent_then_the_redirect_carries_access_denied_and_state(sandbox):
    sandbox.sandbox.oauth.next_decision = "deny"
    response = requests.get(
        f"{sandbox.base_url}/oauth/authorize",
        params={
            "client_id": sandbox.client_id,
            "redirect_uri": REDIRECT,
            "scope": DEFAULT_SCOPES,
            "state": "xyz",
        },
        allow_redirects=False,
        timeout=5,
    )
    params = parse_qs(urlsplit(response.headers["Location"]).query)
    assert response.status_code == 302 and params["error"] == ["access_denied"] and params["state"] == ["xyz"]


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"client_id": "someone-else"}, "unknown client_id"),
        ({"scope": "crm.objects.contacts.read made.up.scope"}, "made.up.scope"),
        ({"redirect_uri": ""}, "redirect_uri"),
    ],
)
def test_given_a_bad_authorize_request_then_an_error_page_and_no_redirect(sandbox, change, text):
    params = {"client_id": sandbox.client_id, "redirect_uri": REDIRECT, "scope": DEFAULT_SCOPES} | change
    response = requests.get(
        f"{sandbox.base_url}/oauth/authorize", params=params, allow_redirects=False, timeout=5
    )
    assert response.status_code == 400 and text in response.text


def test_given_pkce_when_the_verifier_is_wrong_then_the_exchange_fails(sandbox):
    import base64
    import hashlib

    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    response = requests.get(
        f"{sandbox.base_url}/oauth/authorize",
        params={
            "client_id": sandbox.client_id,
            "redirect_uri": REDIRECT,
            "scope": DEFAULT_SCOPES,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=5,
    )
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    form = _code_form(sandbox, code)
    assert (
        requests.post(
            f"{sandbox.base_url}/oauth/v3/token", data=form | {"code_verifier": "w" * 50}, timeout=5
        ).status_code
        == 400
    )
    assert (
        requests.post(
            f"{sandbox.base_url}/oauth/v3/token", data=form | {"code_verifier": verifier}, timeout=5
        ).status_code
        == 200
    )


def test_given_no_token_when_calling_the_api_then_401_invalid_authentication(sandbox):
    response = requests.get(f"{sandbox.base_url}/crm/v3/objects/contacts", timeout=5)
    assert response.status_code == 401 and response.json()["category"] == "INVALID_AUTHENTICATION"


def test_given_the_app_calls_external_uninstall_then_its_tokens_are_revoked(sandbox):
    tokens = install(sandbox, REDIRECT)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    gone = requests.delete(f"{sandbox.base_url}/appinstalls/v3/external-install", headers=headers, timeout=5)
    assert gone.status_code == 204
    again = requests.get(f"{sandbox.base_url}/crm/v3/objects/contacts", headers=headers, timeout=5)
    assert again.status_code == 401 and sandbox.portal_id not in sandbox.sandbox.oauth.installed
