"""F3: after signing in, ``next`` only ever leads to a page of the admin app.

The review's reproduction: ``POST /login?next=/%09/evil.com`` answered ``302 Location: //evil.com``
(the raw value passed a ``startswith("/")`` check; Werkzeug's ``iri_to_uri`` then dropped the TAB).
Every target below is sent URL-encoded on the wire, exactly as a link would carry it; the
``Location`` that comes back is resolved the way a browser does (TAB/CR/LF removed, backslash read
as a slash, relative to leadq's page) and must stay on leadq.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from storage import admins
from tests.support.admin import PASSWORD, csrf_of

LEADQ = "http://leadq.test"
HOSTILE = [
    "/\t/evil.com",  # the review's /%09/evil.com
    "/\n/evil.com",
    "/\r/evil.com",
    "/\r\n/evil.com",
    "\t//evil.com",
    " //evil.com",
    "/\x00/evil.com",
    "/\x0b/evil.com",
    "/\x1f/evil.com",
    "/\x7f/evil.com",
    "/\u3000/evil.com",
    "/\u200b/evil.com",
    "//evil.com",
    "///evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "https://evil.com",
    "https:/evil.com",
    "http:evil.com",
    "//evil.com/installations/1",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.com",
    "/%2F/evil.com",
    "/%09/evil.com",  # double-encoded: a path leadq does not serve
    "/oauth/hubspot/callback?code=x&state=y",  # never chain a sign-in into an OAuth callback
    "/" + "a" * 5000,
]


def _browser_resolves(location: str) -> str:
    """Where a browser goes for this Location (WHATWG URL parsing, roughly)."""
    cleaned = location.replace("\t", "").replace("\r", "").replace("\n", "").replace("\\", "/").strip()
    return urljoin(f"{LEADQ}/login", cleaned)


def _sign_in_with_next(app, target: str):
    browser = app.test_client()
    url = "/login?next=" + quote(target, safe="")
    token = csrf_of(browser.get(url).get_data(as_text=True))
    return browser.post(url, data={"username": "alice", "password": PASSWORD, "csrf_token": token})


@pytest.fixture
def alice(sessions):
    with sessions.begin() as db:
        admins.create(db, "alice", PASSWORD)


@pytest.mark.parametrize("target", HOSTILE, ids=lambda t: repr(t)[:40])
def test_f3_sign_in_never_redirects_off_site(app, alice, target: str) -> None:
    answer = _sign_in_with_next(app, target)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    location = answer.headers["Location"]
    assert urlsplit(_browser_resolves(location)).netloc == "leadq.test", location
    assert location == "/", f"{target!r} is not a page of the admin app: home instead"


@pytest.mark.parametrize("target", ["/", "/installations/1", "/installations/1/leads?q=ab&tier=L1"])
def test_a_page_of_the_admin_app_is_kept(app, alice, target: str) -> None:
    answer = _sign_in_with_next(app, target)
    assert answer.status_code == 302 and answer.headers["Location"] == target
