"""The demo's environment: its data under the test's temporary directory, the test Redis, and no
database URL (the demo makes its own SQLite file)."""

from __future__ import annotations

import pytest

from tests.support.services import REDIS_URL


@pytest.fixture
def demo_env(tmp_path, monkeypatch, redis_client):
    monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LEADQ_REDIS_URL", REDIS_URL)
    monkeypatch.delenv("LEADQ_DATABASE_URL", raising=False)
    return tmp_path
