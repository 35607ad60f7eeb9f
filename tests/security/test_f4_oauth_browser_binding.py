"""F4: an OAuth callback is finished only in the browser that started the flow (HubSpot side).

The review's attacks, reproduced with two browsers (two test clients, each with its own cookies):
the attacker starts "Sign in with HubSpot" or "Install" in his browser, approves at HubSpot, stops
before following the redirect back, and makes the victim's browser load that callback URL. Before
the fix the victim was signed in as the attacker's CRM user (login CSRF) or silently granted the
attacker's installation (install CSRF). Now the victim gets a 400 page saying why; nothing is
installed, nobody is signed in, nothing is granted, and the attacker's own browser could still
finish its own flow (the refusal used nothing up).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from sqlalchemy import func, select

from storage import admins
from storage.tables import AdminGrant, EncryptedToken, Installation
from tests.support.admin import PASSWORD, sign_in
from tests.support.hubspot import install

REFUSAL = "not started in this browser"


def _callback_from(browser, path: str) -> str:
    """The attacker's half of a flow: leadq's start link, HubSpot's consent, and the callback URL
    HubSpot redirects to (not followed)."""
    start = browser.get(path)
    assert start.status_code == 302
    consent = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/oauth/hubspot/callback"
    return f"{back.path}?{back.query}"


def _count(sessions, table) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


def _signed_in_as(browser) -> str | None:
    with browser.session_transaction() as cookie:
        return cookie.get("admin_name")


def _installed_by_crm_user(app, crm) -> int:
    """A real install (its own browser), which allows the installing HubSpot user to sign in."""
    owner_browser = app.test_client()
    install(owner_browser, crm)
    with app.extensions["leadq"].sessions() as db:
        return db.scalars(select(Installation.id)).one()


def test_f4_login_csrf_another_browsers_hubspot_sign_in_callback_signs_nobody_in(app, crm, sessions) -> None:
    _installed_by_crm_user(app, crm)
    with sessions.begin() as db:
        admins.create(db, "alice", PASSWORD)
    attacker, victim, anonymous = app.test_client(), app.test_client(), app.test_client()
    assert sign_in(victim, "alice").status_code == 302
    callback = _callback_from(attacker, "/login/hubspot")

    for browser, before in ((victim, "alice"), (anonymous, None)):
        answer = browser.get(callback)
        body = answer.get_data(as_text=True)
        assert answer.status_code == 400, body
        assert REFUSAL in body and "Sign-in failed" in body
        assert _signed_in_as(browser) == before, "nobody is signed in as the attacker's CRM user"
    assert "alice" in victim.get("/").get_data(as_text=True)
    assert anonymous.get("/").status_code == 302, "the anonymous browser is still signed out"
    # The refusals used nothing up: the browser that started the flow still finishes it.
    own = attacker.get(callback)
    assert own.status_code == 302 and own.headers["Location"] == "/"
    assert (_signed_in_as(attacker) or "").startswith("hubspot:")


def test_f4_install_csrf_another_browsers_callback_installs_and_grants_nothing(app, crm, sessions) -> None:
    with sessions.begin() as db:
        carol = admins.create(db, "carol", PASSWORD).id
    attacker, victim = app.test_client(), app.test_client()
    assert sign_in(victim, "carol").status_code == 302
    callback = _callback_from(attacker, "/install/hubspot")

    answer = victim.get(callback)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400, body
    assert REFUSAL in body and "Install link not valid" in body and "Nothing was stored" in body
    assert _count(sessions, Installation) == 0 and _count(sessions, EncryptedToken) == 0
    with sessions() as db:
        assert db.scalars(select(AdminGrant).where(AdminGrant.admin_id == carol)).all() == []
        assert admins.installations_of(db, carol) == []
    assert "/installations/" not in victim.get("/").get_data(as_text=True)
    assert crm.requests.count(path_prefix="/oauth/v3/token") == 0, "the code was never even exchanged"


def test_f4_a_callback_without_the_session_cookie_is_refused(app, crm, sessions) -> None:
    """An <img> or other cross-site sub-request carries no SameSite=Lax cookie: same as a stranger."""
    browser = app.test_client()
    callback = _callback_from(browser, "/install/hubspot")
    cookieless = app.test_client(use_cookies=False)
    answer = cookieless.get(callback)
    assert answer.status_code == 400 and REFUSAL in answer.get_data(as_text=True)
    assert _count(sessions, Installation) == 0
    assert browser.get(callback).status_code == 200, "the starting browser still installs"
    assert _count(sessions, Installation) == 1


def test_the_starting_browser_finishes_each_of_its_flows_once(app, crm, sessions) -> None:
    browser = app.test_client()
    first = _callback_from(browser, "/install/hubspot")
    second = _callback_from(browser, "/install/hubspot")  # two tabs
    assert browser.get(second).status_code == 200 and browser.get(first).status_code == 200
    again = browser.get(first)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert _count(sessions, Installation) == 1


def test_the_hubspot_authorize_url_sends_only_documented_parameters(client) -> None:
    """HubSpot documents client_id, redirect_uri, scope, optional_scope and state for its authorize
    URL, and no PKCE challenge: leadq sends nothing else (see docs/security/oauth.md)."""
    from urllib.parse import parse_qs

    for path in ("/install/hubspot", "/login/hubspot"):
        query = parse_qs(urlsplit(client.get(path).headers["Location"]).query)
        assert set(query) <= {"client_id", "redirect_uri", "scope", "optional_scope", "state"}, query
