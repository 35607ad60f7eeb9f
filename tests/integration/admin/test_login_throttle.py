"""Password guessing: after 10 failed sign-ins a name is locked for 15 minutes from that address (the
right password included), other names are not; from other addresses see
tests/security/test_f6_sign_in_lockout.py."""

from __future__ import annotations

from tests.support.admin import sign_in


def test_ten_failures_lock_the_name_not_the_others(client, accounts, redis_client) -> None:
    for _ in range(10):
        assert sign_in(client, "alice", "guess guess guess").status_code == 401
    locked = sign_in(client, "alice")  # even the right password now waits
    assert locked.status_code == 429 and "try again in 15 minutes" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302, "no session was granted"
    assert sign_in(client, " ALICE ").status_code == 429, "the same name, however it is typed"
    assert sign_in(client, "bob").status_code == 302, "another admin is not locked out"
    assert not [k for k in redis_client.keys("leadq:login:*") if b"alice" in k], "names are stored hashed"
