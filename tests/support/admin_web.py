"""An admin app without a CRM (sign-in, sessions and the `leadq admin` commands need none): the test
settings on a migrated database and the test Redis, admins made through the storage API, and helpers
that sign in from a chosen client address, as a browser behind (or without) a proxy would."""

from __future__ import annotations

import re
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from core.records import CrmKind
from leadq.app import create_app
from leadq.cli import main
from storage import admins, installations
from tests.support.services import REDIS_URL

PASSWORD = "correct horse battery"
WRONG = "not the password at all"


@pytest.fixture
def web_settings(settings, engine, redis_client):
    return settings.model_copy(
        update={"database_url": engine.url.render_as_string(hide_password=False), "redis_url": REDIS_URL}
    )


def make_app(web_settings: Any, **overrides: Any) -> Flask:
    return create_app(web_settings.model_copy(update=overrides), enqueue=lambda *_: None)


@pytest.fixture
def people(sessions) -> dict[str, Any]:
    """alice (granted two installations) and frank (one): local admins with PASSWORD."""
    with sessions.begin() as db:
        one = installations.upsert_installation(db, CrmKind.HUBSPOT, "20007000").id
        two = installations.upsert_installation(db, CrmKind.SALESFORCE, "00D5g0000000001EAA").id
        for name, granted in (("alice", (one, two)), ("frank", (one,))):
            admin = admins.create(db, name, PASSWORD)
            for installation_id in granted:
                admins.grant(db, admin.id, installation_id)
    return {"one": one, "two": two}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(
    client,
    username: str,
    password: str = PASSWORD,
    address: str = "203.0.113.10",
    forwarded: str | None = None,
):
    """POST /login from ``address`` (the TCP peer), optionally with an X-Forwarded-For header."""
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = client.get("/login", environ_base=environ, headers=headers).get_data(as_text=True)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page)},
        environ_base=environ,
        headers=headers,
    )


def cli(web_settings: Any, monkeypatch: pytest.MonkeyPatch, args: list[str], stdin: str = "") -> Result:
    """`leadq ...` as an operator runs it, with these settings in the environment."""
    for key, value in web_settings.to_env().items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, args, input=stdin)
