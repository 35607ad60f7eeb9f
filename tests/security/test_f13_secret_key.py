"""F13 (secret key): production refuses a LEADQ_SECRET_KEY under 32 bytes (empty included, which is
what an unset ${VAR} expands to), naming the variable; and no OAuth state signed with an empty key
is ever accepted (outside production an empty key counts as unset: the local key file signs)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.settings import SettingsError, load_settings
from oauth import state as oauth_state
from storage.tables import OAuthNonce
from storage.vault import Vault
from tests.support import admin_web as admin_web_support
from tests.support.admin_web import make_app

# Fixtures shared with other test directories (tests/support).
web_settings = admin_web_support.web_settings


# "é" * 15: 15 characters but 30 bytes
@pytest.mark.parametrize("key", ["", "a", "short-but-secret-31-bytes-long!", "é" * 15])
def test_f13_production_refuses_a_short_or_empty_secret_key(key: str, tmp_path) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(
            env="production", data_dir=tmp_path, secret_key=key, encryption_keys=Vault.generate_key()
        )
    message = str(refused.value)
    assert "LEADQ_SECRET_KEY" in message and "at least 32 bytes" in message
    assert len(key) < 4 or key not in message, "the key itself is never printed"


def test_f13_production_accepts_32_bytes_and_the_cli_names_the_variable(web_settings, monkeypatch, tmp_path):
    good = load_settings(
        env="production", data_dir=tmp_path, secret_key="k" * 32, encryption_keys=Vault.generate_key()
    )
    assert good.flask_secret() == "k" * 32
    production = web_settings.model_copy(update={"env": "production"})
    monkeypatch.setenv("LEADQ_SECRET_KEY", "")
    for key, value in production.to_env().items():
        if key != "LEADQ_SECRET_KEY":
            monkeypatch.setenv(key, value)
    from click.testing import CliRunner

    from leadq.cli import main

    answer = CliRunner().invoke(main, ["status"])
    assert answer.exit_code == 1 and "LEADQ_SECRET_KEY must be at least 32 bytes" in answer.output
    assert "Traceback" not in answer.output


def test_f13_a_state_signed_with_an_empty_key_is_refused(web_settings, sessions) -> None:
    app = make_app(
        web_settings, secret_key=type(web_settings.secret_key)(""), hubspot_api_base="http://127.0.0.1:9"
    )
    client = app.test_client()
    assert client.get("/login").status_code == 200, "an empty key outside production: the local key signs"
    forged = oauth_state.issue(b"", "hubspot")
    answer = client.get(f"/oauth/hubspot/callback?state={forged}&code=attacker-code")
    assert answer.status_code == 400 and "not issued by this leadq" in answer.get_data(as_text=True)
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(OAuthNonce)) == 0, (
            "the state never reached the nonce store"
        )
