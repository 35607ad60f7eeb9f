"""The ``sandbox`` pytest fixture: a seeded sandbox CRM served on a free port.

Load it with ``pytest_plugins = ["sandbox.pytest_plugin"]``. ``sandbox_factory``
builds more (HTTPS, fault knobs, a manual clock); every one is stopped at the
end of its test.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.server import RunningSandbox, create_sandbox, serve

DEFAULT_SCOPES = (
    "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.companies.read "
    "crm.objects.companies.write crm.objects.deals.read crm.objects.owners.read "
    "crm.schemas.contacts.write crm.schemas.companies.write"
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _redirected_query(running: RunningSandbox, url: str) -> dict[str, list[str]]:
    """Open an authorize page as a browser would; the query of the URL it redirects to."""
    opener = urllib.request.build_opener(
        _NoRedirect, urllib.request.HTTPSHandler(context=running.ssl_context())
    )
    try:
        opener.open(url)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise
        location = exc.headers["Location"]
    else:  # pragma: no cover - the authorize page always redirects
        raise AssertionError("authorize did not redirect")
    return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)


def authorize(
    running: RunningSandbox,
    redirect_uri: str = "http://localhost/callback",
    scope: str = DEFAULT_SCOPES,
    state: str = "s",
    portal_id: int | None = None,
) -> str:
    """Walk the authorize page as a browser would; returns the code from the redirect."""
    path = f"/oauth/{portal_id}/authorize" if portal_id else "/oauth/authorize"
    query = urllib.parse.urlencode(
        {"client_id": running.client_id, "redirect_uri": redirect_uri, "scope": scope, "state": state},
        quote_via=urllib.parse.quote,
    )
    params = _redirected_query(running, f"{running.base_url}{path}?{query}")
    assert params.get("state") == [state]
    return params["code"][0]


def install(
    running: RunningSandbox,
    redirect_uri: str = "http://localhost/callback",
    scope: str = DEFAULT_SCOPES,
    portal_id: int | None = None,
) -> dict[str, Any]:
    """Authorize and exchange the code at the v3 token endpoint; returns the token response."""
    code = authorize(running, redirect_uri, scope, portal_id=portal_id)
    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "client_id": running.client_id,
            "client_secret": running.client_secret,
            "redirect_uri": redirect_uri,
            "code": code,
        }
    ).encode()
    request = urllib.request.Request(f"{running.base_url}/oauth/v3/token", data=form, method="POST")
    with urllib.request.urlopen(request, context=running.ssl_context()) as response:
        return json.loads(response.read())


def sf_authorize(
    running: RunningSandbox,
    redirect_uri: str = "https://localhost/callback",
    scope: str = "api refresh_token",
    state: str = "s",
    code_challenge: str | None = None,
    login_hint: str | None = None,
) -> str:
    """Walk Salesforce's authorize page; returns the code from the redirect."""
    query = {
        "response_type": "code",
        "client_id": running.sf_client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    if code_challenge:
        query |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    if login_hint:
        query["login_hint"] = login_hint
    params = _redirected_query(
        running, f"{running.base_url}/services/oauth2/authorize?{urllib.parse.urlencode(query)}"
    )
    return params["code"][0]


def sf_install(running: RunningSandbox, login_hint: str | None = None) -> dict[str, Any]:
    """Authorize (with PKCE) and exchange the code; returns Salesforce's token answer."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = "https://localhost/callback"
    code = sf_authorize(running, redirect_uri, code_challenge=challenge, login_hint=login_hint)
    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "client_id": running.sf_client_id,
            "client_secret": running.sf_client_secret,
            "redirect_uri": redirect_uri,
            "code": code,
            "code_verifier": verifier,
        }
    ).encode()
    request = urllib.request.Request(f"{running.base_url}/services/oauth2/token", data=form, method="POST")
    with urllib.request.urlopen(request, context=running.ssl_context()) as response:
        return json.loads(response.read())


@pytest.fixture
def sandbox_factory() -> Iterator[Any]:
    started: list[RunningSandbox] = []

    def make(*, https: bool = False, deliver_webhooks: bool = False, **options: Any) -> RunningSandbox:
        options.setdefault("records", 120)
        running = serve(create_sandbox(**options), https=https, deliver_webhooks=deliver_webhooks)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def sandbox(sandbox_factory: Any) -> RunningSandbox:
    """A fresh seeded sandbox (120 contacts) on a free port; webhooks are pumped by hand."""
    return sandbox_factory(seed=7)
