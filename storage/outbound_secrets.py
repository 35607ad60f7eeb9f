"""The per-installation secret of the Salesforce outbound-message endpoint.

Salesforce outbound messaging cannot send a header or sign its messages, so the endpoint URL an
admin enters in Setup carries a secret: ``/webhooks/salesforce/<secret>``. The secret is a random
handle (48 bits, kept in clear to find the installation, like a key id) followed by 256 random
bits, made once per installation (a reinstall keeps it, so Salesforce keeps working). At rest it is
kept as its SHA-256 (compared in constant time) and Fernet-encrypted under
``LEADQ_ENCRYPTION_KEYS`` (so the admin app can show the URL again; ``leadq keys rotate``
re-encrypts it with the tokens). Plaintext exists only in the URL shown to the admin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import OutboundSecret
from storage.vault import Vault

SECRET_BYTES = 32
HANDLE_BYTES = 6
HANDLE_CHARS = 8  # token_urlsafe(6)
MAX_SECRET_CHARS = 100  # anything longer in a URL is not one of ours: refused before hashing


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _new() -> tuple[str, str]:
    handle = secrets.token_urlsafe(HANDLE_BYTES)
    return handle, handle + secrets.token_urlsafe(SECRET_BYTES)


def ensure(session: Session, vault: Vault, installation_id: int) -> str:
    """The installation's secret, made now if it has none (the caller commits)."""
    row = session.get(OutboundSecret, installation_id)
    if row is not None:
        return vault.decrypt(row.ciphertext)
    handle, secret = _new()
    session.add(
        OutboundSecret(
            installation_id=installation_id,
            handle=handle,
            secret_sha256=_digest(secret),
            ciphertext=vault.encrypt(secret),
        )
    )
    session.flush()
    return secret


def replace(session: Session, vault: Vault, installation_id: int) -> str:
    """A new secret for the installation, for a URL that leaked: the old one stops working as soon as
    the caller commits (its handle and hash are overwritten, nothing of it is kept). The admin then
    enters the new URL in Salesforce Setup; until then Salesforce's messages are refused (404) and
    changes arrive through the minute poll."""
    row = session.get(OutboundSecret, installation_id, with_for_update=True)
    handle, secret = _new()
    if row is None:
        row = OutboundSecret(installation_id=installation_id)
        session.add(row)
    row.handle, row.secret_sha256, row.ciphertext = handle, _digest(secret), vault.encrypt(secret)
    session.flush()
    return secret


def installation_of(session: Session, secret: str | None) -> int | None:
    """The installation whose endpoint secret this is, or None: found by its handle (not secret),
    then the SHA-256 of the whole value compared in constant time."""
    if not secret or len(secret) <= HANDLE_CHARS or len(secret) > MAX_SECRET_CHARS:
        return None
    row = session.scalars(
        select(OutboundSecret).where(OutboundSecret.handle == secret[:HANDLE_CHARS])
    ).one_or_none()
    if row is None or not hmac.compare_digest(row.secret_sha256.encode(), _digest(secret).encode()):
        return None
    return row.installation_id


def endpoint_url(public_base_url: str, secret: str) -> str:
    """The URL to enter as the outbound message's Endpoint URL in Salesforce Setup."""
    return f"{public_base_url.rstrip('/')}/webhooks/salesforce/{secret}"


def rotate_all(session: Session, vault: Vault) -> tuple[int, int]:
    """Re-encrypt every stored secret under the newest key; returns (rotated, already current)."""
    counts = vault.rotate_rows(session.scalars(select(OutboundSecret).with_for_update()))
    session.flush()
    return counts
