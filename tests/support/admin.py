"""The admin app's tests: two admins (one granted the installed leadq, one granted another), sign-in
and CSRF helpers, and a Celery stand-in that records what the app sends."""

from __future__ import annotations

import re

import pytest

from core.records import CrmKind
from storage import admins, installations

PASSWORD = "correct horse battery"


class FakeCelery:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list, str]] = []

    def send_task(self, name: str, args: list, queue: str) -> None:
        self.sent.append((name, args, queue))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page)}
    )


# Fixtures (tests/integration/admin/conftest.py and the security tests of the admin app) ----------------


@pytest.fixture
def other_installation(sessions) -> int:
    with sessions.begin() as db:
        return installations.upsert_installation(db, CrmKind.SALESFORCE, "00D000000000777AAA").id


@pytest.fixture
def accounts(sessions, installed, other_installation):
    with sessions.begin() as db:
        alice = admins.create(db, "alice", PASSWORD)
        bob = admins.create(db, "bob", PASSWORD)
        admins.grant(db, alice.id, installed)
        admins.grant(db, bob.id, other_installation)
    return {"alice": installed, "bob": other_installation}
