"""Encrypted OAuth tokens: store, load and re-encrypt under the newest key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import EncryptedToken
from storage.vault import Vault


@dataclass(frozen=True, slots=True)
class StoredTokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None

    def __repr__(self) -> str:  # tokens must never reach a log through repr()
        return f"StoredTokens(access_token=<redacted>, expires_at={self.expires_at!r})"


def save_tokens(
    session: Session,
    vault: Vault,
    installation_id: int,
    *,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
) -> None:
    """Store both tokens encrypted; a missing refresh token keeps the stored one."""
    _put(session, vault, installation_id, "access", access_token, expires_at)
    if refresh_token:
        _put(session, vault, installation_id, "refresh", refresh_token, None)
    session.flush()


def _put(
    session: Session,
    vault: Vault,
    installation_id: int,
    kind: str,
    value: str,
    expires_at: datetime | None,
) -> None:
    row = session.scalars(
        select(EncryptedToken).where(
            EncryptedToken.installation_id == installation_id, EncryptedToken.kind == kind
        )
    ).one_or_none()
    if row is None:
        row = EncryptedToken(installation_id=installation_id, kind=kind)
        session.add(row)
    row.ciphertext = vault.encrypt(value)
    row.expires_at = expires_at


def load_tokens(session: Session, vault: Vault, installation_id: int) -> StoredTokens | None:
    rows = {
        row.kind: row
        for row in session.scalars(
            select(EncryptedToken).where(EncryptedToken.installation_id == installation_id)
        )
    }
    access = rows.get("access")
    if access is None:
        return None
    refresh = rows.get("refresh")
    return StoredTokens(
        access_token=vault.decrypt(access.ciphertext),
        refresh_token=vault.decrypt(refresh.ciphertext) if refresh else None,
        expires_at=access.expires_at,
    )


def rotate_all(session: Session, vault: Vault) -> tuple[int, int]:
    """Re-encrypt every stored token under the newest key; returns (rotated, already current)."""
    counts = vault.rotate_rows(session.scalars(select(EncryptedToken).with_for_update()))
    session.flush()
    return counts
