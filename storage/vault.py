"""Token encryption at rest: MultiFernet over several keys, newest first.

The only module that turns ciphertext into plaintext tokens. Rotation
re-encrypts under the newest key; once every stored token has been rotated
the old key can be dropped from ``LEADQ_ENCRYPTION_KEYS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class VaultError(Exception):
    """A ciphertext cannot be decrypted with any configured key."""

    reason = "vault-undecryptable"


class Sealed(Protocol):
    """A stored row holding one encrypted value."""

    ciphertext: bytes


class Vault:
    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("the vault needs at least one key")
        self._fernets = [Fernet(k) for k in keys]
        self._multi = MultiFernet(self._fernets)

    def __repr__(self) -> str:  # never show key material
        return f"Vault(keys={len(self._fernets)})"

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, plaintext: str) -> bytes:
        return self._multi.encrypt(plaintext.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._multi.decrypt(ciphertext).decode()
        except InvalidToken:
            raise VaultError("token cannot be decrypted with the configured keys") from None

    def rotate(self, ciphertext: bytes) -> bytes:
        """Re-encrypt under the newest key (decrypting with any configured key)."""
        try:
            return self._multi.rotate(ciphertext)
        except InvalidToken:
            raise VaultError("token cannot be decrypted with the configured keys") from None

    def is_current(self, ciphertext: bytes) -> bool:
        """True if the newest key alone can decrypt this ciphertext."""
        try:
            self._fernets[0].decrypt(ciphertext)
        except InvalidToken:
            return False
        return True

    def rotate_rows(self, rows: Iterable[Sealed]) -> tuple[int, int]:
        """Re-encrypt each row's ciphertext under the newest key, in place; (rotated, already current)."""
        rotated = current = 0
        for row in rows:
            if self.is_current(row.ciphertext):
                current += 1
                continue
            row.ciphertext = self.rotate(row.ciphertext)
            rotated += 1
        return rotated, current
