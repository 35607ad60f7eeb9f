"""The one typed settings object, read from ``LEADQ_*`` environment variables.

Read only at the entry points (``create_app``, ``make_celery``, the CLI and the
installation context); everything below them receives explicit values. Every
external base URL is a setting whose default is the real one, so the sandbox,
the tests and a real install differ only here.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

ENV_PREFIX = "LEADQ_"
ENV_FILE_VARIABLE = "LEADQ_ENV_FILE"  # names a file of LEADQ_NAME=value lines read under the environment
MIN_SECRET_KEY_BYTES = 32  # production refuses a shorter LEADQ_SECRET_KEY (it signs sessions and OAuth state)

HUBSPOT_DEFAULT_SCOPES = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.owners.read",
    "crm.schemas.contacts.write",
    "crm.schemas.companies.write",
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


def _check_url(value: str, *, schemes: tuple[str, ...] = ("http", "https", "redis", "rediss")) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"not a URL with one of the schemes {', '.join(schemes)}: {value!r}")
    return value.rstrip("/")


class Settings(BaseSettings):
    """All of leadq's configuration. Field ``x`` is read from ``LEADQ_X``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir"
    )
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_.:-]*$",
        description="every Redis key leadq writes, and a Redis broker's queues, are kept under this prefix "
        "(two leadq stacks on one Redis database stay apart; empty: no prefix)",
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker: amqp://... (RabbitMQ, recommended in production) or redis://...; "
        "default: redis_url",
    )
    public_base_url: str = Field(
        default="http://localhost:5000",
        description="The URL the CRM reaches leadq at (OAuth redirects, webhook signatures)",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs sessions and OAuth state; required in production"
    )
    encryption_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated Fernet keys, newest first; required in production",
    )
    session_lifetime_s: int = Field(
        default=12 * 3600,
        ge=300,
        le=30 * 86_400,
        description="an admin signs in again this long after signing in, however active (absolute)",
    )
    trusted_proxies: int = Field(
        default=0,
        ge=0,
        le=10,
        description="reverse proxies in front of leadq whose X-Forwarded-For is believed "
        "(0: the header is ignored and the connection's address is the client's)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False
    http_timeout_s: float = Field(default=30.0, gt=0, le=600)
    crm_unreachable_attempts: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="tries at a CRM that has never answered and cannot be reached (unset: the usual "
        "retries; the `leadq` commands use 2)",
    )
    ca_bundle: Path | None = Field(
        default=None, description="Extra CA bundle to trust (the sandbox's certificate)"
    )
    webhook_max_age_s: int = Field(default=300, ge=1, le=3600)
    broker_visibility_timeout_s: int = Field(
        default=3600, ge=1, le=86_400, description="an unacknowledged task is redelivered after this long"
    )
    write_guard_window_s: float = Field(
        default=3600,
        ge=0,
        le=30 * 86_400,
        description="records changed this recently before leadq read them are checked after its write, "
        "so an edit that lands between leadq's read and its write is restored (0: never check)",
    )
    watchdog_interval_s: float = Field(
        default=15.0, ge=1, le=3600, description="how often lost work is looked for"
    )
    backfill_heartbeat_s: float = Field(
        default=5.0, ge=0.5, le=300, description="how often a running backfill task says it is alive"
    )
    worker_lost_after_s: float = Field(
        default=30.0,
        ge=2,
        le=3600,
        description="a backfill task silent this long died with its worker: the watchdog requeues it",
    )
    request_read_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="gunicorn (leadq.gunicorn_conf): a request, headers and body, must arrive within this "
        "time (a slow body gets 408, slow headers a closed connection)",
    )
    stall_after_s: float = Field(
        default=900.0,
        ge=1,
        le=86_400,
        description="a running backfill without a checkpoint, or a change queued, this long is requeued",
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""), description="bearer token for GET /metrics (empty: /metrics is off)"
    )
    retention_days: int = Field(
        default=180,
        ge=1,
        le=3650,
        description="history kept; the daily prune deletes what is older and unused",
    )
    webhook_max_bytes: int = Field(default=1_048_576, ge=1024, le=16_777_216)
    hubspot_api_budget_per_10s: int = Field(default=100, ge=1, le=1000, description="under HubSpot's 110")
    hubspot_search_budget_per_s: int = Field(default=4, ge=1, le=50, description="under HubSpot's 5")

    hubspot_client_id: str = ""
    hubspot_client_secret: SecretStr = SecretStr("")
    hubspot_app_id: str = ""
    hubspot_developer_api_key: SecretStr = SecretStr("")
    hubspot_scopes: str = " ".join(HUBSPOT_DEFAULT_SCOPES)
    # Optional: a portal without HubSpot's Leads still installs; with both granted, leadq works its Leads too.
    hubspot_optional_scopes: str = "crm.objects.leads.read crm.objects.leads.write"
    hubspot_api_base: str = "https://api.hubapi.com"
    hubspot_auth_base: str = "https://app.hubspot.com"
    hubspot_token_path: str = "/oauth/v3/token"  # noqa: S105 - a URL path, not a secret
    hubspot_introspect_path: str = "/oauth/v3/token/introspect"
    hubspot_revoke_path: str = "/oauth/v3/token/revoke"

    # Salesforce: an External Client App (or an existing connected app) with PKCE required.
    salesforce_client_id: str = ""
    salesforce_client_secret: SecretStr = SecretStr("")
    salesforce_scopes: str = "api refresh_token"
    salesforce_login_base: str = "https://login.salesforce.com"
    salesforce_sandbox_login_base: str = "https://test.salesforce.com"
    salesforce_api_version: str = Field(default="62.0", pattern=r"^\d{2}\.0$")
    salesforce_api_share: float = Field(
        default=0.5, gt=0, le=1, description="share of the org's daily API budget leadq may use"
    )
    salesforce_page_size: int = Field(default=2000, ge=200, le=2000, description="SOQL rows per read call")
    salesforce_poll_interval_s: float = Field(default=60.0, ge=5, le=3600)
    # How often beat runs the re-routing pass (SLA missed, rep deactivated).
    reroute_interval_s: float = Field(default=300.0, ge=5, le=86_400)
    # How often beat evaluates the monitoring alarms (docs/monitoring.md).
    monitor_interval_s: float = Field(default=3600.0, ge=60, le=7 * 86_400)
    # Outbound messages are authenticated by a secret per installation in the endpoint URL
    # (storage.outbound_secrets); this caps what one installation may send.
    salesforce_outbound_max_per_minute: int = Field(
        default=2000,
        ge=100,
        le=1_000_000,
        description="outbound-message notifications accepted per installation per minute (then 503)",
    )

    icp_path: Path | None = None
    routing_path: Path | None = None

    @field_validator("broker_url")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        schemes = ("redis", "rediss", "amqp", "amqps", "pyamqp")
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            # The URL itself is not echoed: it may hold a password.
            raise ValueError(f"not a broker URL (schemes: {', '.join(schemes)})")
        return value  # kept as given: "amqp://host//" names RabbitMQ's default virtual host "/"

    @field_validator(
        "redis_url",
        "public_base_url",
        "hubspot_api_base",
        "hubspot_auth_base",
        "salesforce_login_base",
        "salesforce_sandbox_login_base",
    )
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @field_validator("hubspot_token_path", "hubspot_introspect_path", "hubspot_revoke_path")
    @classmethod
    def _paths(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"must start with '/': {value!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:// and postgresql+psycopg:// URLs are supported")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        keys = [k.strip() for k in value.get_secret_value().split(",") if k.strip()]
        if not keys:
            raise ValueError("needs at least one Fernet key")
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise ValueError(f"key #{position} is not a valid Fernet key") from None
        return value

    def to_env(self) -> dict[str, str]:
        """These settings as ``LEADQ_*`` variables (secrets included), e.g. for a worker process."""
        out: dict[str, str] = {}
        for name, value in self:
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            out[ENV_PREFIX + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
        return out

    # Derived values -------------------------------------------------------------------

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'leadq.db').resolve()}"

    @property
    def hubspot_redirect_uri(self) -> str:
        return f"{self.public_base_url}/oauth/hubspot/callback"

    @property
    def salesforce_redirect_uri(self) -> str:
        return f"{self.public_base_url}/oauth/salesforce/callback"

    @property
    def celery_broker_url(self) -> str:
        return self.broker_url or self.redis_url

    @property
    def broker_is_redis(self) -> bool:
        return urlsplit(self.celery_broker_url).scheme in ("redis", "rediss")

    def fernet_keys(self) -> list[str]:
        """Fernet keys, newest first. Outside production a local key file is created once."""
        if self.encryption_keys is not None:
            raw = self.encryption_keys.get_secret_value()
            return [k.strip() for k in raw.split(",") if k.strip()]
        return [self._dev_secret("dev-fernet.key", lambda: Fernet.generate_key().decode())]

    def flask_secret(self) -> str:
        """The key that signs sessions and OAuth state; never empty (an empty key outside production
        counts as unset: the local key file is used; production refuses it in ``load_settings``)."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        return self._dev_secret("dev-secret.key", lambda: secrets.token_urlsafe(48))

    def _dev_secret(self, name: str, make: Callable[[], str]) -> str:
        path = self.data_dir / name
        if path.exists():
            return path.read_text().strip()
        log.warning(
            "settings.dev-secret-created",
            extra={"path": str(path), "hint": "set LEADQ_SECRET_KEY / LEADQ_ENCRYPTION_KEYS"},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        value = make()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


def read_env_file(path: Path) -> dict[str, str]:
    """The ``LEADQ_NAME=value`` lines of an env file (blank lines and ``#`` comments skipped; the value
    is the rest of the line, verbatim) as field values; a line that is not a leadq setting raises
    ``SettingsError`` naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(
            f"{ENV_FILE_VARIABLE} names {path}, which cannot be read ({exc.strerror}): "
            f"unset {ENV_FILE_VARIABLE} or start what writes it again (`make demo` writes var/demo/leadq.env)"
        ) from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path} is not a text file of LEADQ_NAME=value lines") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, equals, value = line.partition("=")
        field_name = name.strip()[len(ENV_PREFIX) :].lower()
        if not equals or not name.strip().startswith(ENV_PREFIX) or field_name not in Settings.model_fields:
            raise SettingsError(
                f"{path}, line {number}: not a leadq setting (LEADQ_NAME=value): {name.strip()!r}"
            )
        values[field_name] = value
    return values


def _from_env_file() -> dict[str, str]:
    """The settings of the file ``LEADQ_ENV_FILE`` names, less those set in the real environment (it
    wins); none when the variable is unset or empty."""
    named = os.environ.get(ENV_FILE_VARIABLE, "").strip()
    if not named:
        return {}
    return {
        name: value
        for name, value in read_env_file(Path(named).expanduser()).items()
        if ENV_PREFIX + name.upper() not in os.environ
    }


def load_settings(*, with_env_file: bool = True, **overrides: Any) -> Settings:
    """Build settings from the environment and (``with_env_file``) the env file ``LEADQ_ENV_FILE``
    names (the environment wins), plus overrides (they win over both); fail naming the bad variable."""
    try:
        settings = Settings(**((_from_env_file() if with_env_file else {}) | overrides))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
    if settings.env == "production":
        missing = [
            ENV_PREFIX + name.upper()
            for name in ("secret_key", "encryption_keys")
            if getattr(settings, name) is None
        ]
        problems = ["required in production: " + ", ".join(missing)] if missing else []
        if settings.secret_key is not None:
            key_bytes = len(settings.secret_key.get_secret_value().encode())
            if key_bytes < MIN_SECRET_KEY_BYTES:
                problems.append(
                    f"{ENV_PREFIX}SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes in production "
                    f"(it has {key_bytes}); make one with: "
                    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
                )
        if problems:
            raise SettingsError("invalid settings: " + "; ".join(problems))
    return settings
