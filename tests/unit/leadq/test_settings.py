"""Settings: typed, from LEADQ_* variables, real CRM URLs by default, failures name the variable."""

from __future__ import annotations

import pytest

from core.settings import Settings, SettingsError, load_settings


def test_defaults_point_at_the_real_crms_and_local_services(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.hubspot_api_base == "https://api.hubapi.com"
    assert settings.hubspot_auth_base == "https://app.hubspot.com"
    assert settings.hubspot_token_path == "/oauth/v3/token"
    assert settings.salesforce_login_base == "https://login.salesforce.com"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.sqlalchemy_url.startswith("sqlite:///") and settings.sqlalchemy_url.endswith(
        "var/leadq.db"
    )
    assert settings.celery_broker_url == settings.redis_url


def test_environment_variables_override_defaults(monkeypatch):
    monkeypatch.setenv("LEADQ_HUBSPOT_API_BASE", "https://127.0.0.1:8765/")
    monkeypatch.setenv("LEADQ_HUBSPOT_TOKEN_PATH", "/oauth/v1/token")
    monkeypatch.setenv("LEADQ_HTTP_TIMEOUT_S", "5")
    settings = load_settings()
    assert settings.hubspot_api_base == "https://127.0.0.1:8765"
    assert settings.hubspot_token_path == "/oauth/v1/token"
    assert settings.http_timeout_s == 5.0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEADQ_REDIS_URL", "not a url"),
        ("LEADQ_HTTP_TIMEOUT_S", "soon"),
        ("LEADQ_ENV", "staging"),
        ("LEADQ_HUBSPOT_API_BASE", "ftp://api.hubapi.com"),
        ("LEADQ_DATABASE_URL", "mysql://x"),
        ("LEADQ_ENCRYPTION_KEYS", "not-a-fernet-key"),
        ("LEADQ_WEBHOOK_MAX_AGE_S", "0"),
    ],
)
def test_a_bad_value_fails_at_startup_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_production_requires_real_secrets(monkeypatch):
    monkeypatch.setenv("LEADQ_ENV", "production")
    with pytest.raises(SettingsError, match=r"LEADQ_SECRET_KEY.*LEADQ_ENCRYPTION_KEYS"):
        load_settings()


def test_secrets_never_show_in_repr(monkeypatch):
    monkeypatch.setenv("LEADQ_HUBSPOT_CLIENT_SECRET", "super-secret-value")
    assert "super-secret-value" not in repr(load_settings())


def test_development_keys_are_created_once_and_reused(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = settings.fernet_keys()
    assert settings.fernet_keys() == first and Settings(data_dir=tmp_path).flask_secret()
    assert (tmp_path / "dev-fernet.key").stat().st_mode & 0o777 == 0o600


def test_settings_round_trip_through_the_environment(monkeypatch, tmp_path):
    original = load_settings(
        data_dir=tmp_path, hubspot_client_secret="s3cret-value", log_json=True, webhook_max_age_s=120
    )
    for key, value in original.to_env().items():
        monkeypatch.setenv(key, value)
    again = load_settings()
    assert again == original and again.hubspot_client_secret.get_secret_value() == "s3cret-value"
