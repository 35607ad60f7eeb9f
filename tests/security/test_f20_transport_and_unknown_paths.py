"""F20: HSTS behind an https public URL (and not over http); a POST to a path no route serves is a
404, not the CSRF page, while every real form still needs its CSRF token."""

from __future__ import annotations

import pytest

from leadq.app import create_app

EXPIRED = "The form expired"


@pytest.fixture
def https_app(leadq_settings, enqueued):
    return create_app(
        leadq_settings.model_copy(update={"public_base_url": "https://leadq.test"}), enqueue=enqueued
    )


def test_f20_hsts_is_sent_when_the_public_url_is_https(https_app) -> None:
    browser = https_app.test_client()
    for path in ("/login", "/", "/healthz", "/no-such-page", "/install/hubspot"):
        answer = browser.get(path, base_url="https://leadq.test")
        value = answer.headers.get("Strict-Transport-Security", "")
        assert value.startswith("max-age=") and int(value.split("=")[1].split(";")[0]) >= 31536000, (
            path,
            value,
        )


def test_no_hsts_over_plain_http(client) -> None:
    for path in ("/login", "/healthz", "/no-such-page"):
        assert "Strict-Transport-Security" not in client.get(path).headers


@pytest.mark.parametrize(
    "path",
    ["/webhooks/hubspot/", "/webhooks/elsewhere/x/y", "/nope", "/installations/1/nothing", "/login/"],
)
def test_f20_a_post_to_an_unknown_path_is_404_not_the_csrf_page(client, path: str) -> None:
    answer = client.post(path, data={"a": "b"})
    assert answer.status_code == 404, answer.get_data(as_text=True)
    assert EXPIRED not in answer.get_data(as_text=True)
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store" and answer.headers["X-Frame-Options"] == "DENY"


def test_every_real_form_still_needs_its_csrf_token(client) -> None:
    real = ("/login", "/logout", "/installations/1/config", "/installations/1/model/retrain")
    for path in (*real, "/installations/1/backfill/approve", "/installations/1/errors/retry"):
        answer = client.post(path, data={"username": "a", "password": "b"})
        assert answer.status_code == 400 and EXPIRED in answer.get_data(as_text=True), path
    assert client.post("/healthz").status_code == 405, "a page that takes no POST says so"
