"""F6: the sign-in lockout must not be a weapon. Failures lock one name from one address (10), or
one address whatever the names (50); a name tried from many addresses is slowed, never locked; the
client's address comes from X-Forwarded-For only when LEADQ_TRUSTED_PROXIES says how many proxies
set it; a lock is logged (never with the password)."""

from __future__ import annotations

import logging
import time

from leadq.web import auth
from tests.security.admin_web import (  # noqa: F401 - fixtures
    PASSWORD,
    WRONG,
    make_app,
    people,
    sign_in,
    web_settings,
)

A, B, C, D = "203.0.113.10", "198.51.100.20", "192.0.2.30", "192.0.2.40"
PROXY = "10.0.0.2"


def test_f6_ten_bad_tries_from_one_address_do_not_lock_the_admin_out_from_another(web_settings, people):  # noqa: F811
    client = make_app(web_settings).test_client()
    for _ in range(10):
        assert sign_in(client, "frank", WRONG, address=A).status_code == 401
    locked = sign_in(client, "frank", PASSWORD, address=A)
    assert locked.status_code == 429, "the guessing address stays locked, the right password included"
    assert "try again in 15 minutes" in locked.get_data(as_text=True)
    elsewhere = make_app(web_settings).test_client()
    answer = sign_in(elsewhere, "frank", PASSWORD, address=B)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert elsewhere.get("/", environ_base={"REMOTE_ADDR": B}).status_code == 200, "frank is signed in"


def test_f6_fifty_anonymous_tries_behind_a_trusted_proxy_do_not_lock_alice(web_settings, people):  # noqa: F811
    app = make_app(web_settings, trusted_proxies=1)
    attacker = app.test_client()
    for i in range(50):  # every request reaches leadq from the proxy, each from another client
        answer = sign_in(attacker, f"nobody{i}", WRONG, address=PROXY, forwarded=f"198.51.100.{i + 1}")
        assert answer.status_code == 401
    alice = app.test_client()
    answer = sign_in(alice, "alice", PASSWORD, address=PROXY, forwarded="192.0.2.77")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    # one sprayer behind the proxy is still stopped: its own address, not the proxy's
    for i in range(50):
        sign_in(attacker, f"spray{i}", WRONG, address=PROXY, forwarded="198.51.100.250")
    sprayer = sign_in(attacker, "alice", PASSWORD, address=PROXY, forwarded="198.51.100.250")
    assert sprayer.status_code == 429
    again = sign_in(app.test_client(), "alice", PASSWORD, address=PROXY, forwarded="192.0.2.78")
    assert again.status_code == 302, "the proxy's address is not what gets locked"


def test_f6_forged_forwarded_for_is_ignored_without_trusted_proxies(web_settings, people):  # noqa: F811
    app = make_app(web_settings)  # LEADQ_TRUSTED_PROXIES=0, the default
    assert getattr(web_settings, "trusted_proxies", 0) == 0
    guesser = app.test_client()
    for i in range(10):  # a new forged address each time does not escape the (frank, A) lock
        assert sign_in(guesser, "frank", WRONG, address=A, forwarded=f"192.0.2.{i + 1}").status_code == 401
    assert sign_in(guesser, "frank", PASSWORD, address=A, forwarded="192.0.2.200").status_code == 429
    # nor can a forged header put the lock on someone else's address
    assert sign_in(app.test_client(), "frank", PASSWORD, address="192.0.2.1").status_code == 302


def test_f6_a_name_guessed_from_many_addresses_is_slowed_not_locked(web_settings, people, monkeypatch):  # noqa: F811
    monkeypatch.setattr(auth, "LOGIN_NAME_SPACING_S", 1, raising=False)
    app = make_app(web_settings)
    for address in (A, B):  # 20 failures for alice: the name is now slowed
        for _ in range(10):
            assert sign_in(app.test_client(), "alice", WRONG, address=address).status_code == 401
    first = sign_in(app.test_client(), "alice", PASSWORD, address=C)
    assert first.status_code == 302, first.get_data(as_text=True)
    hurried = sign_in(app.test_client(), "alice", PASSWORD, address=D)  # a second try the same second
    assert hurried.status_code == 429 and hurried.headers["Retry-After"] == "1"
    assert "wait 1 seconds, then try again" in hurried.get_data(as_text=True)
    time.sleep(1.1)
    assert sign_in(app.test_client(), "alice", PASSWORD, address=D).status_code == 302, "slowed, not locked"


def test_f6_locks_are_logged_without_the_password(web_settings, people, caplog):  # noqa: F811
    guess = "Tr0ub4dor&3-guess"
    app = make_app(web_settings)
    with caplog.at_level(logging.INFO):
        for _ in range(10):
            sign_in(app.test_client(), "frank", guess, address=A)
    locks = [r for r in caplog.records if r.getMessage() == "admin.sign-in-locked"]
    assert len(locks) == 1, [r.getMessage() for r in caplog.records]
    lock = locks[0]
    assert (lock.kind, lock.remote, lock.failures) == ("name-and-address", A, 10)  # type: ignore[attr-defined]
    assert lock.admin is not None and lock.window_s == 900  # type: ignore[attr-defined]
    for record in caplog.records:
        assert guess not in record.getMessage() and guess not in repr(vars(record))
