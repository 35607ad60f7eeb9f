"""Structured logging plus a redaction filter: tokens and secrets never reach a log line.

Event names are stable dotted keys (``hubspot.webhook.invalid-signature``) and
the data goes in ``extra``. The filter scrubs the message, its arguments and
every extra field, both by pattern (bearer headers, ``*_token=`` pairs, Fernet
ciphertexts) and by value (every secret registered with ``register_secret``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

REDACTED = "[redacted]"

_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/=]{8,}"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|code_verifier|id_token|"
        r"session_id|password|secret|hapikey|code)[\"']?\s*[:=]\s*[\"']?)[^\s&\"',}]{4,}"
    ),
    re.compile(r"gAAAAA[A-Za-z0-9_\-=]{20,}"),  # a Fernet ciphertext
    # The per-installation secret of the Salesforce outbound-message endpoint (a request path).
    re.compile(r"(?i)(/webhooks/salesforce/)[^\s/?#\"']+"),
]

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is scrubbed wherever it appears."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v) for v in value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(repr(value))


class RedactionFilter(logging.Filter):
    """Scrubs secrets from every record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: _scrub(v) for k, v in record.args.items()}
            else:
                record.args = tuple(_scrub(a) for a in record.args)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS:
                setattr(record, key, _scrub(value))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class KeyValueFormatter(logging.Formatter):
    """``time level logger event key=value ...``: readable, greppable, extra included."""

    def __init__(self, as_json: bool = False) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        base = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        if self.as_json:
            payload = base | extra
            if record.exc_text:
                payload["exc"] = record.exc_text
            return json.dumps(payload, default=str)
        text = " ".join(str(v) for v in base.values())
        if extra:
            text += " " + " ".join(f"{k}={v}" for k, v in sorted(extra.items()))
        if record.exc_text:
            text += "\n" + record.exc_text
        return text


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the redaction filter to every handler of the root logger (idempotent)."""
    root = logger or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactionFilter) for f in handler.filters):
            handler.addFilter(RedactionFilter())


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    """Set up the root logger once, with redaction on its handler."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "_leadq", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler._leadq = True  # type: ignore[attr-defined]
        handler.setFormatter(KeyValueFormatter(as_json=as_json))
        root.addHandler(handler)
    install_redaction(root)
