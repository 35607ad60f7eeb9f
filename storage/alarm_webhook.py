"""An installation's alarm webhook (a Slack-compatible incoming-webhook URL): a secret, so kept
Fernet-encrypted in ``installations.alarm_webhook_ciphertext`` and only ever shown masked.

The result of the last delivery attempt (when, delivered or the HTTP status / error type; never the
URL) is kept in Redis per installation (``record_delivery``, ``last_delivery``), so a webhook that
keeps failing shows in ``leadq status``, on the configuration page and in ``/metrics``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import Installation
from storage.vault import Vault


class NoSuchInstallation(LookupError):
    pass


def _row(session: Session, installation_id: int) -> Installation:
    row = session.get(Installation, installation_id)
    if row is None:
        raise NoSuchInstallation(installation_id)
    return row


def set_url(session: Session, vault: Vault, installation_id: int, url: str) -> None:
    _row(session, installation_id).alarm_webhook_ciphertext = vault.encrypt(url)
    session.flush()


def clear(session: Session, installation_id: int) -> bool:
    """Forget the URL; False when none was set."""
    row = _row(session, installation_id)
    had = row.alarm_webhook_ciphertext is not None
    row.alarm_webhook_ciphertext = None
    session.flush()
    return had


def get_url(session: Session, vault: Vault, installation_id: int) -> str | None:
    """The URL in clear (None: not set); raises ``VaultError`` when the keys cannot open it."""
    row = session.get(Installation, installation_id)
    if row is None or row.alarm_webhook_ciphertext is None:
        return None
    return vault.decrypt(row.alarm_webhook_ciphertext)


def masked(url: str) -> str:
    """What may be shown of the URL: the scheme, host and port, the rest hidden."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "…"
    if not parts.scheme:
        return "…"
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    return f"{parts.scheme}://{host}{f':{port}' if port is not None else ''}/…"


def masked_url(session: Session, vault: Vault, installation_id: int) -> str | None:
    """The masked URL, "(set, cannot be decrypted with the configured keys)", or None when not set."""
    from storage.vault import VaultError

    try:
        url = get_url(session, vault, installation_id)
    except VaultError:
        return "(set, cannot be decrypted with the configured keys)"
    return None if url is None else masked(url)


def installations_with_url(session: Session) -> set[int]:
    """The installations that have an alarm webhook set (nothing is decrypted)."""
    stmt = select(Installation.id).where(Installation.alarm_webhook_ciphertext.is_not(None))
    return set(session.scalars(stmt))


def rotate_all(session: Session, vault: Vault) -> int:
    """Re-encrypt every stored alarm webhook URL under the newest key; how many were rotated."""
    rows = session.scalars(
        select(Installation).where(Installation.alarm_webhook_ciphertext.is_not(None)).with_for_update()
    )
    rotated = 0
    for row in rows:
        assert row.alarm_webhook_ciphertext is not None
        if not vault.is_current(row.alarm_webhook_ciphertext):
            row.alarm_webhook_ciphertext = vault.rotate(row.alarm_webhook_ciphertext)
            rotated += 1
    return rotated


DELIVERY = "leadq:alarm-webhook-delivery"


@dataclass(frozen=True)
class Delivery:
    """The last delivery attempt to an installation's webhook."""

    at: datetime  # aware UTC
    ok: bool
    status: int | None = None  # the HTTP status the webhook answered with, when it refused
    error: str | None = None  # the failure's type (ConnectTimeout, SSLError...), never its text
    test: bool = False  # a test message (``leadq alarms webhook --test``), not an alarm

    @property
    def failure(self) -> str:
        """Why it failed, in a few words ("HTTP 500", "ConnectionError"); "" when delivered."""
        if self.ok:
            return ""
        return f"HTTP {self.status}" if self.status is not None else self.error or "error"


def _delivery_key(installation_id: int) -> str:
    return f"{DELIVERY}:{installation_id}"


def record_delivery(client: Redis, installation_id: int, delivery: Delivery) -> None:
    body = {
        "at": delivery.at.timestamp(),
        "ok": delivery.ok,
        "status": delivery.status,
        "error": delivery.error,
        "test": delivery.test,
    }
    client.set(_delivery_key(installation_id), json.dumps(body))


def forget_delivery(client: Redis, installation_id: int) -> None:
    """A new URL (or none): the old URL's delivery result no longer says anything."""
    client.delete(_delivery_key(installation_id))


def _delivery(raw: object) -> Delivery | None:
    if raw is None:
        return None
    try:
        body = json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
        status = body.get("status")
        return Delivery(
            at=datetime.fromtimestamp(float(body["at"]), UTC),
            ok=bool(body["ok"]),
            status=int(status) if status is not None else None,
            error=str(body["error"]) if body.get("error") is not None else None,
            test=bool(body.get("test", False)),
        )
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, OSError):
        return None


def last_delivery(client: Redis, installation_id: int) -> Delivery | None:
    """The last delivery attempt (None: nothing was sent since the URL was set, or Redis lost it)."""
    return _delivery(client.get(_delivery_key(installation_id)))


def last_deliveries(client: Redis, installation_ids: Iterable[int]) -> dict[int, Delivery]:
    """``last_delivery`` of each installation that has one, in one round trip."""
    ids = list(installation_ids)
    raws = client.mget([_delivery_key(i) for i in ids]) if ids else []
    found = {i: _delivery(raw) for i, raw in zip(ids, raws, strict=True)}
    return {i: d for i, d in found.items() if d is not None}
