"""Structured logging plus a redaction filter: tokens and secrets never reach a log line.

Event names are stable dotted keys (``hubspot.webhook.invalid-signature``) and
the data goes in ``extra``. The filter scrubs the message, its arguments and
every extra field, both by pattern (bearer headers, ``*_token=`` pairs, Fernet
ciphertexts) and by value (the most recent ``MAX_SECRETS`` secrets registered with ``register_secret``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from typing import Any, TextIO

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

# The registry of secret values: bounded, and redact() costs O(len(text)), not O(registered).
MAX_SECRETS = 4096  # most recently registered (or re-registered) values kept; older ones are forgotten
_WINDOW = 8  # index secrets by 8-character windows ...
_STRIDE = 8  # ... at offsets 0..7, so the text is probed only every 8th character
_LONG = _WINDOW + _STRIDE - 1  # secrets at least this long are found through the window index


class _SecretRegistry:
    """Registered secret values, least recently registered first, with an index for fast scanning.

    A secret ``s`` of length >= 15 that occurs at text position ``p`` has its last 15 characters at
    ``p + len(s) - 15``; one of the 8 positions from there is a multiple of 8, ``q``, and the text's
    8 characters at ``q`` equal one of the 8 windows of those last 15 characters. So indexing each
    secret's 8 tail windows and probing the text at every 8th position finds every occurrence. (Tails:
    tokens often share a prefix, an org id or ``pat-na1-``, but end in their random part.) Shorter
    secrets (6..14 characters: real tokens are longer) are checked directly. Adding or forgetting a
    secret updates the index in O(1); nothing is sorted or rebuilt per call.
    """

    def __init__(self, limit: int = MAX_SECRETS) -> None:
        self.limit = limit
        self._order: OrderedDict[str, None] = OrderedDict()
        self._index: dict[str, tuple[tuple[str, int], ...]] = {}  # window -> ((secret, window's offset),)
        self._short: set[str] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._order)

    @staticmethod
    def _windows(value: str) -> list[tuple[str, int]]:
        tail = len(value) - _LONG
        return [(value[tail + o : tail + o + _WINDOW], tail + o) for o in range(_STRIDE)]

    def add(self, value: str) -> None:
        with self._lock:
            if value in self._order:
                self._order.move_to_end(value)  # still in use: keep it
                return
            self._order[value] = None
            if len(value) >= _LONG:
                for window, at in self._windows(value):
                    self._index[window] = (*self._index.get(window, ()), (value, at))
            else:
                self._short.add(value)
            while len(self._order) > self.limit:
                self._forget(self._order.popitem(last=False)[0])

    def _forget(self, value: str) -> None:
        if len(value) < _LONG:
            self._short.discard(value)
            return
        for window, at in self._windows(value):
            entries = tuple(e for e in self._index.get(window, ()) if e != (value, at))
            if entries:
                self._index[window] = entries
            else:
                self._index.pop(window, None)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Every (start, end) of a registered secret in ``text``, merged, in order."""
        found: list[tuple[int, int]] = []
        index = self._index
        for q in range(0, len(text) - _WINDOW + 1, _STRIDE):
            entries = index.get(text[q : q + _WINDOW])
            if entries:
                for secret, at in entries:
                    start = q - at
                    if start >= 0 and text.startswith(secret, start):
                        found.append((start, start + len(secret)))
        for secret in tuple(self._short) if self._short else ():
            start = text.find(secret)
            while start != -1:
                found.append((start, start + len(secret)))
                start = text.find(secret, start + 1)
        if len(found) < 2:
            return found
        found.sort()
        merged = [found[0]]
        for start, end in found[1:]:
            if start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged


_registry = _SecretRegistry()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is scrubbed wherever it appears.

    Call it whenever a secret is loaded or received (not only the first time): the registry keeps
    the ``MAX_SECRETS`` most recently registered values, so a value in use stays in it.
    """
    if value and len(value) >= 6:
        _registry.add(value)


def redact(text: str) -> str:
    spans = _registry.spans(text)
    if spans:
        parts, last = [], 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(REDACTED)
            last = end
        parts.append(text[last:])
        text = "".join(parts)
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


class _LeadqHandler(logging.StreamHandler[TextIO]):
    """The root handler configure_logging adds (once): marked so that a second call finds it."""

    _leadq = True


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    """Set up the root logger once, with redaction on its handler."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "_leadq", False) for h in root.handlers):
        handler = _LeadqHandler()
        handler.setFormatter(KeyValueFormatter(as_json=as_json))
        root.addHandler(handler)
    install_redaction(root)
