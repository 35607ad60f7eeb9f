"""F20 (review 2026-12): /metrics stripped a literal "Bearer " prefix, so ``bearer TOKEN`` (the
scheme is case-insensitive, RFC 7235) was refused and a bare token without any scheme was accepted."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from leadq.app import create_app
from tests.support.hubspot import Enqueued

TOKEN = "t0k3n-" + "m" * 26


@pytest.mark.redis
def test_f20_metrics_bearer_scheme_is_case_insensitive_and_required(leadq_settings, redis_client):
    settings = leadq_settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    client = create_app(settings, enqueue=Enqueued()).test_client()

    def status(authorization: str) -> int:
        return client.get("/metrics", headers={"Authorization": authorization}).status_code

    for accepted in (f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}", f"BeArEr  {TOKEN} "):
        answer = client.get("/metrics", headers={"Authorization": accepted})
        assert answer.status_code == 200, accepted
        assert "leadq_installations" in answer.get_data(as_text=True) or "leadq_dead_letters" in (
            answer.get_data(as_text=True)
        )
    for refused in (
        TOKEN,  # a bare token, no scheme
        f" {TOKEN}",
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        f"Bearer{TOKEN}",
        "Bearer ",
        "bearer",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN.upper()}",  # the token itself is compared exactly
    ):
        assert status(refused) == 404, refused
    assert client.get("/metrics").status_code == 404


@pytest.mark.redis
def test_f20_the_token_is_still_compared_in_constant_time(
    leadq_settings, redis_client, monkeypatch: pytest.MonkeyPatch
):
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    settings = leadq_settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    client = create_app(settings, enqueue=Enqueued()).test_client()
    assert client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": "bearer nope"}).status_code == 404
    assert calls == [(TOKEN.encode(), TOKEN.encode()), (b"nope", TOKEN.encode())]
