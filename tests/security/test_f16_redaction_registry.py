"""F16: the registry of secret values that logging redacts stays bounded, and redact() stays cheap.

A worker serving many portals registers every token it loads or refreshes; before the fix the set
grew forever and every redact() sorted it and scanned the text once per registered value.
"""

from __future__ import annotations

import base64
import logging
import random
import sys
from collections.abc import Iterator

import pytest

import core.logging as leadq_logging
from core.logging import KeyValueFormatter, RedactionFilter, redact, register_secret


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    """Each test starts from an empty registry (the module-level one is process-wide)."""
    if hasattr(leadq_logging, "_registry"):
        monkeypatch.setattr(leadq_logging, "_registry", type(leadq_logging._registry)())
    else:  # the code before the fix: a plain set
        monkeypatch.setattr(leadq_logging, "_secrets", set())


_RANDOM = random.Random(16)


def _tokens(n: int) -> Iterator[str]:
    """n distinct 90-character tokens shaped like HubSpot's: a shared prefix, then random text."""
    for i in range(n):
        yield "pat-na1-" + base64.urlsafe_b64encode(_RANDOM.randbytes(60)).decode()[:74] + f"{i:08d}"


def _log_line(message: str, *args: object) -> str:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RedactionFilter())
    handler.setFormatter(KeyValueFormatter())
    logger = logging.getLogger("leadq.test.f16")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info(message, *args)
    finally:
        logger.removeHandler(handler)
    return lines[0]


class CountingText(str):
    """A string that counts how often redact() looks into it (slices, searches, membership tests)."""

    looks = 0

    def __contains__(self, other: object) -> bool:
        CountingText.looks += 1
        return super().__contains__(other)

    def __getitem__(self, key):
        CountingText.looks += 1
        return super().__getitem__(key)

    def find(self, *args):
        CountingText.looks += 1
        return super().find(*args)

    def startswith(self, *args):
        CountingText.looks += 1
        return super().startswith(*args)

    def replace(self, *args):
        CountingText.looks += 1
        return super().replace(*args)


def test_f16_registry_keeps_a_bounded_number_of_the_200000_tokens_registered():
    tokens = list(_tokens(200_000))
    unregistered = next(_tokens(1))
    alone = sys.getrefcount(unregistered)  # held by this frame only
    for token in tokens:
        register_secret(token)
    kept = sum(sys.getrefcount(token) - 1 > alone for token in tokens)  # -1: the list holds each one
    # the registry holds on to (and scans for) at most a few thousand recent values, not every one ever seen
    assert kept <= 5_000, f"the redaction registry still holds {kept:,} of 200,000 tokens"
    assert sys.getrefcount(tokens[-1]) - 1 > alone  # the most recent ones are kept


def test_f16_recently_registered_tokens_are_still_redacted_after_200000_registrations():
    in_use = "CO-in-use-access-token-" + "z" * 70
    register_secret(in_use)
    tokens = list(_tokens(200_000))
    for i, token in enumerate(tokens):
        register_secret(token)
        if i % 2_000 == 0:
            register_secret(in_use)  # loading tokens registers them again: an in-use token stays
    recent = tokens[-10]
    line = _log_line("refresh failed with %s then %s", in_use, recent)
    assert in_use not in line and recent not in line
    assert line.count("[redacted]") == 2 and "refresh failed with" in line


def test_f16_redact_looks_at_the_text_in_proportion_to_its_length_not_to_the_registry():
    tokens = list(_tokens(200_000))
    for token in tokens:
        register_secret(token)
    secret = tokens[-1]
    text = CountingText("x" * 500 + secret + " and more words " * 25)
    CountingText.looks = 0
    out = redact(text)
    assert secret not in out and "[redacted]" in out
    # probing every 8th position of a ~1,000-character text: about 125 looks, whatever the registry holds
    looks = CountingText.looks
    assert looks <= len(text) // 8 + 20, f"{looks:,} looks into a {len(text)}-character text"


def test_f16_overlapping_and_short_secrets_are_all_redacted():
    register_secret("abcdef-short")
    register_secret("0123456789abcdefghijKLMNOP")
    register_secret("ghijKLMNOPqrstuvwxyz-0123456789")
    line = redact("a=abcdef-short b=0123456789abcdefghijKLMNOPqrstuvwxyz-0123456789 c")
    assert line == "a=[redacted] b=[redacted] c"
