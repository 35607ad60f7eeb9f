"""What the HubSpot benchmarks share: leadq's settings for a running sandbox, and the install."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from core.settings import Settings, load_settings
from storage.vault import Vault


def hubspot_settings(
    tmp: Path, crm: Any, public: str, redis_url: str, database_url: str | None = None
) -> Settings:
    """leadq pointed at a sandbox portal (SQLite in ``tmp`` unless a database URL is given)."""
    return load_settings(
        env="test",
        data_dir=tmp,
        database_url=database_url or f"sqlite:///{tmp / 'bench.db'}",
        redis_url=redis_url,
        public_base_url=public,
        encryption_keys=Vault.generate_key(),
        secret_key="bench-secret-key",  # noqa: S106 - a throwaway key for a local benchmark
        hubspot_client_id=crm.client_id,
        hubspot_client_secret=crm.client_secret,
        hubspot_app_id=str(crm.app_id),
        hubspot_api_base=crm.base_url,
        hubspot_auth_base=crm.base_url,
        log_level="WARNING",
    )


def install(client: Any) -> None:
    """/install/hubspot -> the sandbox's consent -> the callback, through a Flask test client."""
    start = client.get("/install/hubspot")
    consent = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    answer = client.get(f"{back.path}?{back.query}")
    if answer.status_code != 200:
        raise RuntimeError(f"install failed: {answer.status_code}")
