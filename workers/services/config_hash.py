"""Which ICP and routing texts a backfill runs with, and the hash a preview records of them.

A preview is computed from one configuration; Approve applies one configuration. Both name it the
same way (these two functions), so Approve can refuse a preview that was computed from anything
other than what it would make live.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Protocol

from core.settings import Settings


class ConfigTexts(Protocol):
    """An installation's stored configuration texts (the live and the pending ones)."""

    @property
    def icp_toml(self) -> str | None: ...
    @property
    def routing_toml(self) -> str | None: ...
    @property
    def pending_icp_toml(self) -> str | None: ...
    @property
    def pending_routing_toml(self) -> str | None: ...


def config_texts(row: ConfigTexts, settings: Settings, pending: bool) -> tuple[str | None, str | None]:
    """The ICP and routing texts in force (``pending``: the saved, not yet approved ones where set),
    falling back to the files named in the settings, as a worker reads them."""
    icp_text = row.icp_toml or (settings.icp_path.read_text() if settings.icp_path else None)
    routing_text = row.routing_toml or (settings.routing_path.read_text() if settings.routing_path else None)
    if pending:
        icp_text = row.pending_icp_toml or icp_text
        routing_text = row.pending_routing_toml or routing_text
    return icp_text, routing_text


def config_hash(icp_text: str | None, routing_text: str | None) -> str:
    """A short fingerprint of exactly these two texts (None and "" both mean the shipped default)."""
    payload = json.dumps([icp_text or "", routing_text or ""], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def same_hash(recorded: object, applied: str) -> bool:
    """Whether a preview recorded ``applied`` (not a secret, but compared like one: the suite's rule
    for hashes)."""
    return isinstance(recorded, str) and hmac.compare_digest(recorded.encode(), applied.encode())
