"""The CLI commands and the app factory, run as a user would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from click.testing import CliRunner
from sqlalchemy import select

from core.records import CrmKind
from leadq.app import create_app
from leadq.cli import main
from storage import installations
from storage.db import make_engine, make_session_factory, transaction
from storage.tables import EncryptedToken
from storage.tokens import load_tokens, save_tokens
from storage.vault import Vault


def test_keys_rotate_re_encrypts_stored_tokens_and_says_old_keys_can_go(db_url, monkeypatch):
    old, new = Vault.generate_key(), Vault.generate_key()
    monkeypatch.setenv("LEADQ_DATABASE_URL", db_url)
    monkeypatch.setenv("LEADQ_ENCRYPTION_KEYS", old)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    sessions = make_session_factory(make_engine(db_url))
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "77")
        save_tokens(
            session,
            Vault([old]),
            inst.id,
            access_token="tok-access-123456",
            refresh_token="tok-refresh-654321",
            expires_at=None,
        )
    monkeypatch.setenv("LEADQ_ENCRYPTION_KEYS", f"{new},{old}")
    result = runner.invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 2 tokens" in result.output and "older keys can be removed" in result.output
    with transaction(sessions) as session:
        assert load_tokens(session, Vault([new]), inst.id).refresh_token == "tok-refresh-654321"
        assert all(Vault([new]).is_current(r.ciphertext) for r in session.scalars(select(EncryptedToken)))


def test_keys_rotate_without_the_old_key_fails_clearly(db_url, monkeypatch):
    monkeypatch.setenv("LEADQ_DATABASE_URL", db_url)
    monkeypatch.setenv("LEADQ_ENCRYPTION_KEYS", Vault.generate_key())
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    sessions = make_session_factory(make_engine(db_url))
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "78")
        save_tokens(
            session,
            Vault([Vault.generate_key()]),
            inst.id,
            access_token="a" * 20,
            refresh_token=None,
            expires_at=None,
        )
    result = runner.invoke(main, ["keys", "rotate"])
    assert result.exit_code != 0 and "keep the old key" in result.output


def test_a_bad_setting_stops_the_cli_naming_the_variable(monkeypatch):
    monkeypatch.setenv("LEADQ_REDIS_URL", "nonsense")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0 and "LEADQ_REDIS_URL" in result.output


def test_app_factory_serves_health_and_readiness(settings, engine):
    app = create_app(
        settings.model_copy(update={"database_url": engine.url.render_as_string(hide_password=False)})
    )
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok", "database": "ok"}


def test_leadq_sandbox_prints_its_url_and_the_app_credentials_it_was_given():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadq.cli",
            "sandbox",
            "--port",
            "0",
            "--records",
            "20",
            "--json",
            "--client-id",
            "my-client",
            "--client-secret",
            "my-secret",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        details = json.loads(line)
        assert details["client_id"] == "my-client" and details["client_secret"] == "my-secret"
        import requests

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            info = requests.get(details["base_url"] + "/_sandbox/info", timeout=5).json()
            if info:
                break
        assert info["portals"][str(details["portal_id"])]["contacts"] == 20
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_train_then_score_from_the_command_line(tmp_path):
    from tests.unit.scoring.test_csvflow import messy_export

    data = tmp_path / "leads.csv"
    data.write_bytes(messy_export())
    model = tmp_path / "model.json"
    runner = CliRunner()
    trained = runner.invoke(main, ["train", str(data), "--target", "Won", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    assert "trained on 600 rows" in trained.output and json.loads(model.read_text())["kind"] == "table"
    out = tmp_path / "scored.csv"
    scored = runner.invoke(main, ["score", str(data), "--model", str(model), "--out", str(out)])
    assert scored.exit_code == 0, scored.output
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith("leadq_score;leadq_probability;leadq_tier;leadq_verdict;leadq_reasons")


def test_evaluate_explains_a_bad_target_without_a_traceback(tmp_path):
    data = tmp_path / "leads.csv"
    data.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["evaluate", str(data), "--target", "won"])
    assert result.exit_code != 0 and "target column 'won' is not in the file" in result.output
    assert "Traceback" not in result.output


def test_leadq_version_prints_the_installed_version():
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"leadq {version('leadq')}\n"
