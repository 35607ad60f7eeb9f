"""OAuth persistence: used state nonces (single use) and the encrypted token store for refreshes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.logging import register_secret
from core.tokens import HeldTokens
from storage.tables import OAuthNonce
from storage.tokens import StoredTokens, load_tokens, save_tokens
from storage.vault import Vault


class DbNonceStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def consume(self, nonce: str, expires_at: float) -> bool:
        session = self.sessions()
        try:
            with session.begin():
                session.execute(delete(OAuthNonce).where(OAuthNonce.expires_at < datetime.now(UTC)))
                session.add(OAuthNonce(nonce=nonce, expires_at=datetime.fromtimestamp(expires_at, UTC)))
        except IntegrityError:
            return False
        finally:
            session.close()
        return True


class DbTokenStore:
    """Tokens as ``oauth.tokens.TokenStore`` sees them, encrypted in the database."""

    def __init__(self, sessions: sessionmaker[Session], vault: Vault) -> None:
        self.sessions, self.vault = sessions, vault

    def load(self, installation_id: int) -> StoredTokens | None:
        with self.sessions() as session:
            stored = load_tokens(session, self.vault, installation_id)
        if stored is None:
            return None
        register_secret(stored.access_token)
        register_secret(stored.refresh_token)
        expires = stored.expires_at
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)  # SQLite returns naive datetimes
        return StoredTokens(stored.access_token, stored.refresh_token, expires)

    def save(self, installation_id: int, tokens: HeldTokens) -> None:
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        with self.sessions.begin() as session:
            save_tokens(
                session,
                self.vault,
                installation_id,
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                expires_at=tokens.expires_at,
            )
