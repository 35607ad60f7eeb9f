"""``LEADQ_ENV_FILE``: the settings a file holds, under the real environment; what the demo writes
there reads back as the same settings, in a file only its owner can read."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.settings import SettingsError, load_settings
from leadq.cli import main
from leadq.live_stack import local_settings, write_env_file
from storage.vault import Vault


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("LEADQ_REDIS_URL", "LEADQ_REDIS_PREFIX", "LEADQ_DATABASE_URL", "LEADQ_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_file_is_read_and_the_environment_wins(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "leadq.env"
    env_file.write_text(
        "# a comment\n\nLEADQ_REDIS_PREFIX=from-file:\nLEADQ_LOG_LEVEL=ERROR\n"
        "LEADQ_DATABASE_URL=sqlite:////tmp/x=y.db\n"
    )
    clean_env.setenv("LEADQ_ENV_FILE", str(env_file))
    clean_env.setenv("LEADQ_LOG_LEVEL", "DEBUG")
    settings = load_settings()
    assert settings.redis_prefix == "from-file:"
    assert settings.database_url == "sqlite:////tmp/x=y.db"  # the value is the rest of the line
    assert settings.log_level == "DEBUG"  # the real environment wins
    assert load_settings(redis_prefix="given:").redis_prefix == "given:"  # and overrides win over both
    assert load_settings(with_env_file=False).redis_prefix == ""


def test_a_missing_file_or_a_bad_line_is_named(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("LEADQ_ENV_FILE", str(tmp_path / "gone.env"))
    with pytest.raises(SettingsError, match=r"LEADQ_ENV_FILE names .*gone\.env, which cannot be read"):
        load_settings()
    bad = tmp_path / "bad.env"
    bad.write_text("LEADQ_LOG_LEVEL=ERROR\nexport LEADQ_REDIS_PREFIX=x\n")
    clean_env.setenv("LEADQ_ENV_FILE", str(bad))
    with pytest.raises(SettingsError, match=r"bad\.env, line 2: not a leadq setting"):
        load_settings()
    bad.write_text("LEADQ_NO_SUCH_SETTING=1\n")
    with pytest.raises(SettingsError, match="line 1"):
        load_settings()
    bad.write_text("LEADQ_LOG_LEVEL=LOUD\n")
    with pytest.raises(SettingsError, match="LEADQ_LOG_LEVEL"):
        load_settings()


def test_the_cli_says_what_is_wrong_with_the_file(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("LEADQ_ENV_FILE", str(tmp_path / "gone.env"))
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code != 0
    assert "LEADQ_ENV_FILE names" in result.output and "make demo" in result.output
    assert "Traceback" not in result.output


def test_what_the_demo_writes_reads_back_as_its_settings(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    own = local_settings(
        tmp_path,
        "redis://127.0.0.1:6379/9",
        redis_prefix="leadq-demo-abc:",
        hubspot_client_secret="s3cret",
        encryption_keys=f"{Vault.generate_key()},{Vault.generate_key()}",
    )
    path = write_env_file(own, tmp_path / "demo" / "leadq.env", "the demo's settings\nsecond line")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("# the demo's settings\n# second line\n")
    assert "LEADQ_HUBSPOT_API_BASE" not in text  # defaults are left out
    clean_env.setenv("LEADQ_ENV_FILE", str(path))
    again = load_settings()
    assert again.redis_prefix == "leadq-demo-abc:"
    assert again.sqlalchemy_url == own.sqlalchemy_url
    assert again.fernet_keys() == own.fernet_keys()
    assert again.hubspot_client_secret.get_secret_value() == "s3cret"
    assert again.flask_secret() == own.flask_secret()


def test_a_worker_gets_exactly_its_stacks_settings_not_the_callers_env_file(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    from leadq.live_stack import worker_env

    clean_env.setenv("LEADQ_ENV_FILE", str(tmp_path / "another-stack.env"))
    own = local_settings(tmp_path, "redis://127.0.0.1:6379/9", redis_prefix="mine:")
    env = worker_env(own)
    assert "LEADQ_ENV_FILE" not in env
    assert env["LEADQ_REDIS_PREFIX"] == "mine:"
