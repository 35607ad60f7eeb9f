"""Signing in to the admin app through the CRM's OAuth: the installing user may, others only when
allowed; the sign-in's tokens are revoked, the installation's own tokens stay untouched."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from click.testing import CliRunner
from sqlalchemy import select

from leadq.cli import main
from storage.tables import EncryptedToken
from tests.support.sync import worker_env


def _through_the_crm(client) -> str:
    start = client.get("/login/hubspot")
    assert start.status_code == 302
    consent = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/oauth/hubspot/callback"
    return f"{back.path}?{back.query}"


def test_the_installing_user_signs_in_with_hubspot(client, installed, crm, sessions) -> None:
    with sessions() as db:
        stored = {t.kind: t.ciphertext for t in db.scalars(select(EncryptedToken))}
    signed = client.get(_through_the_crm(client))
    assert signed.status_code == 302 and signed.headers["Location"] == "/"
    listing = client.get("/").get_data(as_text=True)
    assert f"/installations/{installed}" in listing
    revokes = crm.requests.entries(lambda e: e.path.endswith("/token/revoke"))
    assert len(revokes) == 1, "the sign-in's refresh token is revoked at once"
    with sessions() as db:
        assert {t.kind: t.ciphertext for t in db.scalars(select(EncryptedToken))} == stored


def test_another_crm_user_needs_to_be_allowed(
    client, installed, crm, sessions, leadq_settings, monkeypatch
) -> None:
    from storage.tables import Admin

    with sessions.begin() as db:  # the installing user's access is withdrawn: now "another" user
        for admin in db.scalars(select(Admin)):
            db.delete(admin)
    refused = client.get(_through_the_crm(client))
    assert refused.status_code == 403 and "leadq admin allow" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302, "not signed in"
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    owner = next(o for o in crm.sandbox.portals[crm.portal_id].owners if not o["archived"])
    allowed = CliRunner().invoke(main, ["admin", "allow", str(installed), str(owner["userId"])])
    assert allowed.exit_code == 0, allowed.output
    assert client.get(_through_the_crm(client)).status_code == 302
    assert f"/installations/{installed}" in client.get("/").get_data(as_text=True)


def test_a_forged_sign_in_state_is_refused(client, installed) -> None:
    forged = client.get("/oauth/hubspot/callback?code=x&state=a.1.hubspot-login.b.c")
    assert forged.status_code == 400 and client.get("/").status_code == 302
