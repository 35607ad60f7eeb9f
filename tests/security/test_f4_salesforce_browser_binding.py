"""F4 on the Salesforce side: the install and the CRM sign-in finish only in the browser that
started them, and the PKCE verifier is random per flow and kept server-side (Redis), never
derived from the state that travels with the code."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from connector.http import session as pinned_session
from storage import admins
from storage.tables import EncryptedToken, Installation
from tests.support import salesforce as salesforce_support
from tests.support.admin import PASSWORD, sign_in
from tests.support.salesforce import install

# Fixtures shared with other test directories (tests/support).
crm = salesforce_support.crm
leadq_settings = salesforce_support.leadq_settings

REFUSAL = "not started in this browser"


def _callback_from(browser, crm, path: str) -> str:
    start = browser.get(path)
    assert start.status_code == 302, start.get_data(as_text=True)
    consent = pinned_session(str(crm.ca_bundle)).get(
        start.headers["Location"], allow_redirects=False, timeout=10
    )
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/oauth/salesforce/callback"
    return f"{back.path}?{back.query}"


def _count(sessions, table) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


def _s256(verifier: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()


def test_f4_install_csrf_salesforce_callback_elsewhere_installs_grants_nothing(app, crm, sessions) -> None:
    with sessions.begin() as db:
        carol = admins.create(db, "carol", PASSWORD).id
    attacker, victim = app.test_client(), app.test_client()
    assert sign_in(victim, "carol").status_code == 302
    callback = _callback_from(attacker, crm, "/install/salesforce")

    answer = victim.get(callback)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400, body
    assert REFUSAL in body and "Nothing was stored" in body
    assert _count(sessions, Installation) == 0 and _count(sessions, EncryptedToken) == 0
    with sessions() as db:
        assert admins.installations_of(db, carol) == []
    assert crm.requests.count(path_prefix="/services/oauth2/token") == 0, "the code was never exchanged"
    assert attacker.get(callback).status_code == 200, "the starting browser still finishes its install"


def test_f4_login_csrf_salesforce_sign_in_callback_elsewhere_signs_nobody_in(app, crm, sessions) -> None:
    install(app.test_client(), crm)  # allows the org's installing admin to sign in with Salesforce
    attacker, victim = app.test_client(), app.test_client()
    callback = _callback_from(attacker, crm, "/login/salesforce")
    answer = victim.get(callback)
    assert answer.status_code == 400 and REFUSAL in answer.get_data(as_text=True)
    with victim.session_transaction() as cookie:
        assert "admin_id" not in cookie
    assert victim.get("/").status_code == 302, "still signed out"
    own = attacker.get(callback)
    assert own.status_code == 302 and own.headers["Location"] == "/"


def test_f4_salesforce_pkce_verifier_is_random_and_kept_server_side(app, crm, sessions, redis_client) -> None:
    browser = app.test_client()
    start = browser.get("/install/salesforce")
    location = start.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    challenge, state = query["code_challenge"][0], query["state"][0]
    # The one value in Redis whose S256 is the challenge is the verifier; nothing that travels
    # (the authorize URL, the state, the session cookie) holds or names it.
    held = {key: redis_client.get(key) for key in redis_client.scan_iter("*")}
    verifiers = [(key, value) for key, value in held.items() if value and _s256(value) == challenge]
    assert len(verifiers) == 1, "the verifier is kept server-side"
    key, verifier = verifiers[0]
    assert 43 <= len(verifier) <= 128 and redis_client.ttl(key) > 0
    cookie = browser.get_cookie("leadq_session")
    assert cookie is not None
    for travelling in (location, state, cookie.value, key.decode()):
        assert verifier.decode() not in travelling
    assert state.split(".")[0] not in key.decode(), "not even the nonce names it in Redis"
    other = parse_qs(urlsplit(app.test_client().get("/install/salesforce").headers["Location"]).query)
    assert other["code_challenge"] != [challenge]

    consent = pinned_session(str(crm.ca_bundle)).get(location, allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    assert browser.get(f"{back.path}?{back.query}").status_code == 200
    assert redis_client.get(key) is None, "used once, then gone"
