"""An installation's alarm webhook (a Slack-compatible incoming-webhook URL): a secret, so kept
Fernet-encrypted in ``installations.alarm_webhook_ciphertext`` and only ever shown masked."""

from __future__ import annotations

from urllib.parse import urlsplit

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
    """What may be shown of the URL: the scheme and host, the rest hidden."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}/…" if parts.scheme else "…"


def masked_url(session: Session, vault: Vault, installation_id: int) -> str | None:
    """The masked URL, "(set, cannot be decrypted with the configured keys)", or None when not set."""
    from storage.vault import VaultError

    try:
        url = get_url(session, vault, installation_id)
    except VaultError:
        return "(set, cannot be decrypted with the configured keys)"
    return None if url is None else masked(url)


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
