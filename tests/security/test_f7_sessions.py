"""F7: sessions can be ended. Logout ends the session server side (the same cookie presented again
gets the sign-in page); a session lasts LEADQ_SESSION_LIFETIME_S (12 h) from sign-in however often
the sync page polls; `leadq admin passwd/remove/revoke` end what they should, and answer mistakes
with a message, never a traceback."""

from __future__ import annotations

import time

from tests.support import admin_web as admin_web_support
from tests.support.admin_web import PASSWORD, cli, make_app, sign_in

# Fixtures shared with other test directories (tests/support).
people = admin_web_support.people
web_settings = admin_web_support.web_settings

COOKIE = "leadq_session"


def _signed_in(app, name: str = "alice"):
    client = app.test_client()
    answer = sign_in(client, name)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def _is_sign_in_page(answer) -> bool:
    return answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_f7_a_cookie_replayed_after_logout_gets_the_sign_in_page(web_settings, people):
    app = make_app(web_settings)
    client = _signed_in(app)
    page = f"/installations/{people['one']}/sync.json"
    assert client.get(page).status_code == 200
    cookie = client.get_cookie(COOKIE).value
    home = client.get("/").get_data(as_text=True)
    token = home.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)  # the cookie as it was before logout, replayed
    answer = thief.get(page)
    assert _is_sign_in_page(answer), (answer.status_code, answer.get_data(as_text=True)[:200])
    assert 'name="password"' in thief.get(answer.headers["Location"]).get_data(as_text=True)


def test_f7_polling_does_not_extend_a_session_past_twelve_hours(web_settings, people, monkeypatch):
    assert getattr(web_settings, "session_lifetime_s", 12 * 3600) == 12 * 3600
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    client = _signed_in(make_app(web_settings))
    poll = f"/installations/{people['one']}/sync.json"
    for hours in (1, 6, 11.9):  # admin.js polls every 2 s while the page is open
        clock["now"] = start + hours * 3600
        answer = client.get(poll)
        assert answer.status_code == 200
        assert "Set-Cookie" not in answer.headers, "the cookie is not re-issued (no sliding expiry)"
    clock["now"] = start + 12 * 3600 + 60
    assert _is_sign_in_page(client.get(poll)), "12 hours after sign-in the session is over"
    assert _is_sign_in_page(client.get("/"))


def test_f7_password_change_ends_every_session_of_that_admin(web_settings, people, monkeypatch):
    app = make_app(web_settings)
    laptop, phone, other = _signed_in(app), _signed_in(app), _signed_in(app, "frank")
    new = "a brand new passphrase"
    changed = cli(web_settings, monkeypatch, ["admin", "passwd", "Alice", "--password-stdin"], new + "\n")
    assert changed.exit_code == 0, changed.output
    assert "password of 'alice' changed; 2 sessions ended" in changed.output
    assert _is_sign_in_page(laptop.get("/")) and _is_sign_in_page(phone.get("/"))
    assert other.get("/").status_code == 200, "another admin stays signed in"
    assert sign_in(app.test_client(), "alice", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "alice", new).status_code == 302
    unknown = cli(web_settings, monkeypatch, ["admin", "passwd", "nobody", "--password-stdin"], new + "\n")
    assert unknown.exit_code == 1 and "there is no admin 'nobody'" in unknown.output
    short = cli(web_settings, monkeypatch, ["admin", "passwd", "alice", "--password-stdin"], "short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    assert sign_in(app.test_client(), "alice", new).status_code == 302, "a refused change changes nothing"


def test_f7_admin_remove_signs_the_admin_out_for_good(web_settings, people, monkeypatch):
    app = make_app(web_settings)
    frank = _signed_in(app, "frank")
    removed = cli(web_settings, monkeypatch, ["admin", "remove", "frank"])
    assert removed.exit_code == 0 and "admin 'frank' removed; 1 session ended" in removed.output
    assert _is_sign_in_page(frank.get(f"/installations/{people['one']}"))
    assert sign_in(app.test_client(), "frank").status_code == 401
    again = cli(web_settings, monkeypatch, ["admin", "remove", "frank"])
    assert again.exit_code == 1 and "there is no admin 'frank'" in again.output
    assert "Traceback" not in again.output and isinstance(again.exception, SystemExit)


def test_f7_admin_revoke_takes_one_installation_away_at_once(web_settings, people, monkeypatch):
    app = make_app(web_settings)
    alice = _signed_in(app)
    one, two = people["one"], people["two"]
    assert alice.get(f"/installations/{one}/sync.json").status_code == 200
    revoked = cli(web_settings, monkeypatch, ["admin", "revoke", "alice", str(one)])
    assert revoked.exit_code == 0 and f"alice may no longer manage installation {one}" in revoked.output
    assert alice.get(f"/installations/{one}/sync.json").status_code == 404, "effective on the next request"
    assert alice.get(f"/installations/{two}/sync.json").status_code == 200, "the other grant stays"
    for args, message in (
        (["admin", "revoke", "alice", str(one)], f"alice was not granted installation {one}"),
        (["admin", "revoke", "alice", "999"], "there is no installation 999"),
        (["admin", "revoke", "nobody", str(two)], "there is no admin 'nobody'"),
        (["admin", "revoke", "alice", "99999999999999999999"], "is not in the range"),
    ):
        answer = cli(web_settings, monkeypatch, args)
        assert answer.exit_code != 0 and message in answer.output, (args, answer.output)
        assert "Traceback" not in answer.output
        assert answer.exception is None or isinstance(answer.exception, SystemExit), answer.exception
