"""F20 (password length): one limit, 1,024 characters, when a password is set (`leadq admin create`,
`leadq admin passwd`) and when it is checked at sign-in: a longer one is refused when set, with the
limit named, instead of being stored and then never matching."""

from __future__ import annotations

from tests.support import admin_web as admin_web_support
from tests.support.admin_web import PASSWORD, cli, make_app, sign_in

# Fixtures shared with other test directories (tests/support).
people = admin_web_support.people
web_settings = admin_web_support.web_settings


def test_f20_create_and_passwd_refuse_a_password_sign_in_could_not_accept(web_settings, people, monkeypatch):
    too_long, longest = "p" * 1025, "q" * 1024
    refused = cli(
        web_settings, monkeypatch, ["admin", "create", "carol", "--password-stdin"], too_long + "\n"
    )
    assert refused.exit_code == 1 and "at most 1024 characters (this one has 1025)" in refused.output
    assert "Traceback" not in refused.output
    app = make_app(web_settings)
    assert sign_in(app.test_client(), "carol", too_long).status_code == 401, "carol was not created"
    made = cli(web_settings, monkeypatch, ["admin", "create", "carol", "--password-stdin"], longest + "\n")
    assert made.exit_code == 0, made.output
    assert sign_in(app.test_client(), "carol", longest).status_code == 302, (
        "the longest allowed password signs in"
    )
    assert sign_in(app.test_client(), "carol", longest + "x").status_code == 401, "never truncated to match"
    changed = cli(
        web_settings, monkeypatch, ["admin", "passwd", "alice", "--password-stdin"], too_long + "\n"
    )
    assert changed.exit_code == 1 and "at most 1024 characters" in changed.output
    assert sign_in(app.test_client(), "alice", PASSWORD).status_code == 302, "the old password still works"
