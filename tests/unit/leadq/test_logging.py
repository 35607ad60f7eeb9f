"""No token reaches a log line: redaction by pattern and by registered value."""

from __future__ import annotations

import logging

from core.logging import KeyValueFormatter, RedactionFilter, register_secret


def _capture(logger_name: str):
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(RedactionFilter())
    handler.setFormatter(KeyValueFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return logger, records


def test_tokens_in_messages_args_extra_and_exceptions_are_redacted():
    logger, lines = _capture("leadq.test.redaction")
    token = "CO-opaque-token-1234567890abcdef"
    register_secret(token)
    logger.info("refreshing with %s", token)
    logger.info("hubspot.token.refreshed", extra={"response": {"access_token": token, "expires_in": 1800}})
    logger.warning("call failed: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def")
    logger.info("posted refresh_token=abcdefgh123&client_secret=shh-its-secret")
    try:
        raise RuntimeError(f"token {token} rejected")
    except RuntimeError:
        logger.exception("oauth.refresh.failed")
    text = "\n".join(lines)
    assert token not in text and "eyJhbGciOiJIUzI1NiJ9" not in text
    assert "abcdefgh123" not in text and "shh-its-secret" not in text
    assert "[redacted]" in text and "expires_in" in text and "oauth.refresh.failed" in text


def test_fernet_ciphertext_is_redacted_too():
    from storage.vault import Vault

    ciphertext = Vault([Vault.generate_key()]).encrypt("x").decode()
    logger, lines = _capture("leadq.test.fernet")
    logger.info("row %s", ciphertext)
    assert ciphertext not in lines[0]
