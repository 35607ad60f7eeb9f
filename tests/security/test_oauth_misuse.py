"""OAuth misuse: a state is signed, bound to one flow and one CRM, expires, and works once; a
HubSpot install link cannot finish a Salesforce install or an admin sign-in, nor the other way
round; nothing is stored on any refusal. (Swapping codes between two Salesforce flows fails PKCE:
tests/integration/salesforce/test_install.py.)"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from oauth import state as oauth_state
from oauth.errors import InvalidState
from storage.tables import EncryptedToken, Installation


def _state_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["state"][0]


def test_a_hubspot_install_state_finishes_nothing_else(client, crm, sessions):
    state = _state_of(client.get("/install/hubspot").headers["Location"])
    on_salesforce = client.get(f"/oauth/salesforce/callback?code=any&state={state}")
    assert on_salesforce.status_code == 400 and "another CRM" in on_salesforce.get_data(as_text=True)
    # A sign-in state never installs anything: it only identifies an admin (and here the code is bad).
    signin = _state_of(client.get("/login/hubspot").headers["Location"])
    answer = client.get(f"/oauth/hubspot/callback?code=broken&state={signin}")
    assert answer.status_code in (400, 403)
    on_install = client.get(f"/oauth/salesforce/callback?code=any&state={signin}")
    assert on_install.status_code == 400
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Installation)) == 0
        assert session.scalar(select(func.count()).select_from(EncryptedToken)) == 0


def test_state_signature_purpose_expiry_and_single_use() -> None:
    key, store = b"k" * 32, oauth_state.MemoryNonceStore()
    now = [1_700_000_000.0]
    token = oauth_state.issue(key, "hubspot", clock=lambda: now[0])
    with pytest.raises(InvalidState, match="another CRM"):
        oauth_state.verify(key, token, "salesforce", oauth_state.MemoryNonceStore(), clock=lambda: now[0])
    with pytest.raises(InvalidState, match="not issued by this leadq"):
        oauth_state.verify(b"x" * 32, token, "hubspot", store, clock=lambda: now[0])
    payload, signature = token.rsplit(".", 1)
    tampered = payload.replace("hubspot", "salesforce") + "." + signature
    with pytest.raises(InvalidState, match="not issued by this leadq"):
        oauth_state.verify(key, tampered, "salesforce", store, clock=lambda: now[0])
    later = [now[0] + 3600]
    with pytest.raises(InvalidState, match="expired"):
        oauth_state.verify(key, token, "hubspot", oauth_state.MemoryNonceStore(), clock=lambda: later[0])
    assert oauth_state.verify(key, token, "hubspot", store, clock=lambda: now[0]).purpose == "hubspot"
    with pytest.raises(InvalidState, match="already used"):
        oauth_state.verify(key, token, "hubspot", store, clock=lambda: now[0])
    verifier = oauth_state.new_pkce_verifier()
    assert 43 <= len(verifier) <= 128 and verifier not in token, "the PKCE verifier never travels"
    assert oauth_state.new_pkce_verifier() != verifier, "random per flow, nothing derivable from the state"
