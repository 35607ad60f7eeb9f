"""What the HubSpot benchmarks share, on ``leadq.live_stack``: leadq's settings for a running sandbox
and the install through the real OAuth flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.settings import Settings
from leadq import live_stack


def hubspot_settings(
    tmp: Path, crm: Any, public: str, redis_url: str, database_url: str | None = None
) -> Settings:
    """leadq pointed at a sandbox portal (SQLite in ``tmp`` unless a database URL is given)."""
    own = live_stack.local_settings(
        tmp,
        redis_url,
        database_url=database_url or f"sqlite:///{tmp / 'bench.db'}",
        secret_key="bench-secret-key",  # noqa: S106 - a throwaway key for a local benchmark
    )
    return live_stack.sandbox_settings(own, crm, public_base_url=public)


def install(client: Any, crm: Any) -> None:
    """/install/hubspot -> the sandbox's consent -> the callback, through a Flask test client."""
    answer = live_stack.install_via_oauth(client, crm)
    if answer.status_code != 200:
        raise RuntimeError(f"install failed: {answer.status_code}")
