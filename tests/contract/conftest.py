"""The real hubspot-api-client, pointed at the sandbox through its ``host`` setting."""

from __future__ import annotations

from typing import Any

import hubspot
import pytest

from sandbox.pytest_plugin import install


@pytest.fixture
def tokens(sandbox: Any) -> dict[str, Any]:
    return install(sandbox)


@pytest.fixture
def client(sandbox: Any, tokens: dict[str, Any]) -> hubspot.Client:
    return hubspot.Client.create(access_token=tokens["access_token"], host=sandbox.base_url)
