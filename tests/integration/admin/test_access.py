"""Sign-in, sessions, CSRF, security headers, and that an admin of one installation can never
see or change another's (pages, JSON and form posts)."""

from __future__ import annotations

from storage.tables import ProcessedEvent
from tests.support.admin import FakeCelery, csrf_of, sign_in


def test_pages_need_a_signed_in_admin(client, accounts) -> None:
    for path in ("/", f"/installations/{accounts['alice']}", f"/installations/{accounts['alice']}/leads"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    wrong = sign_in(client, "alice", "wrong password!!")
    assert wrong.status_code == 401 and "wrong password" in wrong.get_data(as_text=True)
    unknown = sign_in(client, "nobody")
    assert unknown.status_code == 401
    assert sign_in(client, "alice").status_code == 302
    assert client.get("/").status_code == 200


def test_session_cookie_and_security_headers(client, accounts) -> None:
    answer = sign_in(client, "alice")
    # the session cookie (a sign-in also sets the leadq_device cookie, tests/security/test_f6_...)
    cookie = next((c for c in answer.headers.getlist("Set-Cookie") if c.startswith("leadq_session=")), "")
    assert "leadq_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"


def test_an_admin_sees_only_granted_installations(client, accounts) -> None:
    sign_in(client, "alice")
    mine, theirs = accounts["alice"], accounts["bob"]
    listing = client.get("/").get_data(as_text=True)
    assert f"/installations/{mine}" in listing and f"/installations/{theirs}" not in listing
    assert "00D000000000777AAA" not in listing
    for path in (
        f"/installations/{theirs}",
        f"/installations/{theirs}/leads",
        f"/installations/{theirs}/sync.json",
        f"/installations/{theirs}/errors",
        f"/installations/{theirs}/errors?cause=1",
        f"/installations/{theirs}/leads/lead/00Q000000000001AAA",
        "/installations/9999",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    client.application.extensions["leadq"].__dict__["celery"] = fake = FakeCelery()
    refused = client.post(f"/installations/{theirs}/errors/retry", data={"csrf_token": token})
    assert refused.status_code == 404 and fake.sent == []
    allowed = client.post(f"/installations/{mine}/errors/retry", data={"csrf_token": token})
    assert allowed.status_code == 302 and fake.sent == [("leadq.retry", [mine], "changes")]


def test_form_posts_without_the_csrf_token_are_refused(client, accounts) -> None:
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = fake = FakeCelery()
    mine = accounts["alice"]
    assert client.post(f"/installations/{mine}/errors/retry").status_code == 400
    assert (
        client.post(f"/installations/{mine}/errors/retry", data={"csrf_token": "forged"}).status_code == 400
    )
    assert fake.sent == []
    assert client.post("/logout").status_code == 400, "even signing out needs the token"
    fresh = client.application.test_client()
    assert fresh.post("/login", data={"username": "alice", "password": "x" * 20}).status_code == 400


def test_webhooks_stay_exempt_from_csrf(client, accounts, sessions) -> None:
    answer = client.post("/webhooks/hubspot", data=b"[]", content_type="application/json")
    assert answer.status_code == 401  # refused for its missing signature, not for CSRF
    with sessions() as db:
        assert db.query(ProcessedEvent).count() == 0
