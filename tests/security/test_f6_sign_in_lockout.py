"""F6: the sign-in lockout must not be a weapon. Failures lock one name from one address (10), or
one address whatever the names (50); a name tried from many addresses is slowed, never locked; the
client's address comes from X-Forwarded-For only when LEADQ_TRUSTED_PROXIES says how many proxies
set it; a lock is logged (never with the password).

Re-test: a browser holding the admin's device cookie is counted only against that cookie (attacks on
the name from many addresses cannot slow or lock it); tries are counted before the password is
checked, so simultaneous tries over real HTTP never get more checks than the limits; an
X-Forwarded-For value that is not an IP address is never used; names are stored as a keyed hash."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from leadq.web import auth
from tests.support import admin_web as admin_web_support
from tests.support.admin_web import PASSWORD, WRONG, csrf_of, make_app, sign_in

# Fixtures shared with other test directories (tests/support).
people = admin_web_support.people
web_settings = admin_web_support.web_settings

A, B, C, D = "203.0.113.10", "198.51.100.20", "192.0.2.30", "192.0.2.40"
PROXY = "10.0.0.2"


def test_f6_ten_bad_tries_from_one_address_do_not_lock_the_admin_out_from_another(web_settings, people):
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


def test_f6_fifty_anonymous_tries_behind_a_trusted_proxy_do_not_lock_alice(web_settings, people):
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


def test_f6_forged_forwarded_for_is_ignored_without_trusted_proxies(web_settings, people):
    app = make_app(web_settings)  # LEADQ_TRUSTED_PROXIES=0, the default
    assert getattr(web_settings, "trusted_proxies", 0) == 0
    guesser = app.test_client()
    for i in range(10):  # a new forged address each time does not escape the (frank, A) lock
        assert sign_in(guesser, "frank", WRONG, address=A, forwarded=f"192.0.2.{i + 1}").status_code == 401
    assert sign_in(guesser, "frank", PASSWORD, address=A, forwarded="192.0.2.200").status_code == 429
    # nor can a forged header put the lock on someone else's address
    assert sign_in(app.test_client(), "frank", PASSWORD, address="192.0.2.1").status_code == 302


def test_f6_a_name_guessed_from_many_addresses_is_slowed_not_locked(web_settings, people, monkeypatch):
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


def test_f6_locks_are_logged_without_the_password(web_settings, people, caplog):
    guess = "Tr0ub4dor&3-guess"
    app = make_app(web_settings)
    with caplog.at_level(logging.INFO):
        for _ in range(10):
            sign_in(app.test_client(), "frank", guess, address=A)
    locks = [r for r in caplog.records if r.getMessage() == "admin.sign-in-locked"]
    assert len(locks) == 1, [r.getMessage() for r in caplog.records]
    lock = locks[0]
    assert (lock.kind, lock.remote, lock.failures) == ("name-and-address", A, 10)
    assert lock.admin is not None and lock.window_s == 900
    for record in caplog.records:
        assert guess not in record.getMessage() and guess not in repr(vars(record))


def test_f6_attack_from_many_addresses_does_not_stop_an_admin_with_a_device_cookie(web_settings, people):
    app = make_app(web_settings, trusted_proxies=1)
    alice = app.test_client()  # her browser signed in before the attack: it holds her device cookie
    first = sign_in(alice, "alice", PASSWORD, address=PROXY, forwarded="192.0.2.77")
    assert first.status_code == 302
    cookie = next(c for c in first.headers.getlist("Set-Cookie") if c.startswith("leadq_device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "alice" not in cookie.split(";")[0]
    attacker = app.test_client()
    for i in range(20):  # one wrong guess per address: the name is now slowed for untrusted tries
        answer = sign_in(attacker, "alice", WRONG, address=PROXY, forwarded=f"198.51.100.{i + 1}")
        assert answer.status_code == 401
    for i in range(6):  # the re-test's attack: each guess from a new address takes the name's turn
        sign_in(app.test_client(), "alice", WRONG, address=PROXY, forwarded=f"203.0.113.{i + 1}")
        answer = sign_in(alice, "alice", PASSWORD, address=PROXY, forwarded="192.0.2.77")
        assert answer.status_code == 302, f"try {i + 1}: {answer.status_code} {answer.get_data(as_text=True)}"
    # the same admin from a browser without her device cookie is an untrusted try: slowed
    sign_in(attacker, "alice", WRONG, address=PROXY, forwarded="203.0.113.99")
    fresh = sign_in(app.test_client(), "alice", PASSWORD, address=PROXY, forwarded="192.0.2.77")
    assert fresh.status_code == 429 and "Retry-After" in fresh.headers


def test_f6_a_device_cookie_is_locked_on_its_own_and_cannot_be_forged(web_settings, people):
    app = make_app(web_settings)
    browser = app.test_client()
    assert sign_in(browser, "frank", PASSWORD, address=A).status_code == 302
    for _ in range(10):  # a stolen device cookie gets 10 guesses, then that cookie is locked
        assert sign_in(browser, "frank", WRONG, address=A).status_code == 401
    assert sign_in(browser, "frank", PASSWORD, address=A).status_code == 429
    # those failures were counted against the cookie only: the (frank, A) pair is not locked
    assert sign_in(app.test_client(), "frank", PASSWORD, address=A).status_code == 302
    # a cookie for another name, or a tampered one, is not trusted: the pair's limit applies
    forger = app.test_client()
    forger.set_cookie("leadq_device", "eyJhIjoxLCJuIjoiMCIsImQiOiJ4In0.forged.sig", path="/login")
    for _ in range(10):
        assert sign_in(forger, "frank", WRONG, address=B).status_code == 401
    assert sign_in(forger, "frank", PASSWORD, address=B).status_code == 429


@pytest.fixture
def served(web_settings) -> Iterator[Any]:
    """leadq's app behind a real threaded HTTP server (as gunicorn's threaded workers serve it)."""
    servers = []

    def serve(**overrides: Any) -> str:
        server = make_server("127.0.0.1", 0, make_app(web_settings, **overrides), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()


def _simultaneous(base: str, tries: list[tuple[str, str | None]]) -> Counter[int]:
    """Each (name, X-Forwarded-For) try from its own browser, all POSTed at the same moment."""
    prepared = []
    for username, forwarded in tries:
        browser = requests.Session()
        browser.trust_env = False
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        page = browser.get(f"{base}/login", headers=headers, timeout=30).text
        prepared.append(
            (browser, {"username": username, "password": WRONG, "csrf_token": csrf_of(page)}, headers)
        )
    start = threading.Barrier(len(prepared))
    statuses: list[int] = [0] * len(prepared)

    def attempt(i: int) -> None:
        browser, form, headers = prepared[i]
        start.wait(timeout=60)
        answer = browser.post(f"{base}/login", data=form, headers=headers, timeout=300, allow_redirects=False)
        statuses[i] = answer.status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(prepared))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return Counter(statuses)


@pytest.mark.parametrize(
    ("proxies", "tries", "most_checked"),
    [
        (0, [("frank", None)] * 30, 10),  # one name, one address: 10 checks
        (1, [("alice", f"198.51.100.{i + 1}") for i in range(50)], 21),  # one name: 20, then one per 3 s
        (0, [(f"nobody{i}", None) for i in range(70)], 50),  # many names, one address: 50
    ],
    ids=["name-and-address", "name", "address"],
)
def test_f6_simultaneous_tries_never_get_more_checks_than_the_limit(
    served,
    people,
    proxies: int,
    tries: list[tuple[str, str | None]],
    most_checked: int,
) -> None:
    statuses = _simultaneous(served(trusted_proxies=proxies), tries)
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses[401] <= most_checked, f"{statuses[401]} passwords checked, limit {most_checked}"


def test_f6_forwarded_for_that_is_not_an_address_is_not_used(web_settings, people, redis_client, caplog):
    app = make_app(web_settings, trusted_proxies=1)
    long = "x" * 4000
    junk = [
        "garbage",
        "999.999.999.999",
        long,
        "unknown",
        "1.2.3.4.5",
        "<b>",
        "0x7f.1",
        "::g",
        "1.1.1.1:80",
        "a" * 60,
    ]
    guesser = app.test_client()
    with caplog.at_level(logging.INFO):
        for value in junk:  # counted under the connection's address: the pair (frank, PROXY) locks
            assert sign_in(guesser, "frank", WRONG, address=PROXY, forwarded=value).status_code == 401
        locked = sign_in(guesser, "frank", PASSWORD, address=PROXY, forwarded="still-not-an-address")
    assert locked.status_code == 429, "a new junk value each time must not escape the lock"
    keys = [k.decode() for k in redis_client.keys("leadq:login:*")]
    assert keys and all(len(k) < 120 for k in keys), keys
    assert not [k for k in keys if any(v in k for v in ("garbage", "999.999", "xxxx", "unknown", "<b>"))]
    for record in caplog.records:
        assert long not in repr(vars(record)) and "garbage" not in repr(vars(record))
    # a real client behind the proxy (a valid address) is not locked by the junk
    assert (
        sign_in(app.test_client(), "frank", PASSWORD, address=PROXY, forwarded="192.0.2.9").status_code == 302
    )


def test_f6_names_are_stored_as_a_keyed_hash_not_a_plain_sha256(web_settings, people, redis_client, caplog):
    plain = hashlib.sha256(b"frank").hexdigest()[:32]
    with caplog.at_level(logging.INFO):
        for _ in range(10):
            sign_in(make_app(web_settings).test_client(), "frank", WRONG, address=A)
    keys = [k.decode() for k in redis_client.keys("leadq:login:*")]
    assert [k for k in keys if k.startswith("leadq:login:pair:")], keys
    assert not [k for k in keys if plain in k], "a plain SHA-256 of the name is recoverable by guessing"
    lock = next(r for r in caplog.records if r.getMessage() == "admin.sign-in-locked")
    assert lock.name_hash != plain and len(lock.name_hash) == 32
    # keyed with the secret key: another installation's hash of the same name differs
    redis_client.flushdb()
    other = web_settings.model_copy(
        update={"secret_key": web_settings.secret_key.__class__("another-secret-key-32-bytes-long!")}
    )
    sign_in(make_app(other).test_client(), "frank", WRONG, address=A)
    other_keys = [k.decode() for k in redis_client.keys("leadq:login:pair:*")]
    assert other_keys and not set(other_keys) & set(keys)
