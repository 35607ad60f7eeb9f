"""Signed-in admin sessions, held server side.

The browser's cookie carries a random session id ``selector.verifier``: the selector finds the row,
the verifier is checked against its stored SHA-256 in constant time, so reading the table gives no
usable cookie. A session is valid while its row exists and ``expires_at`` (sign-in time plus the
lifetime: absolute, never extended by activity) is in the future. Logout deletes the row; a password
change or removing the admin deletes all of the admin's rows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.tables import Admin, AdminSession


def _now() -> datetime:
    # time.time(), so a test can move the clock for the web app and this module alike
    return datetime.fromtimestamp(time.time(), UTC)


def _digest(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


def _row(db: Session, session_id: str) -> AdminSession | None:
    """The session's row if the id is well formed, known and its verifier matches."""
    selector, _, verifier = session_id.partition(".")
    if not selector or not verifier:
        return None
    row = db.scalars(select(AdminSession).where(AdminSession.selector == selector)).first()
    if row is None or not hmac.compare_digest(row.verifier_hash, _digest(verifier)):
        return None
    return row


def start(db: Session, admin_id: int, lifetime_s: int) -> str:
    """A new session for the admin; returns the id for the cookie. Expired rows of the admin go."""
    now = _now()
    db.execute(delete(AdminSession).where(AdminSession.admin_id == admin_id, AdminSession.expires_at <= now))
    selector, verifier = secrets.token_hex(16), secrets.token_urlsafe(32)
    db.add(
        AdminSession(
            admin_id=admin_id,
            selector=selector,
            verifier_hash=_digest(verifier),
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime_s),
        )
    )
    db.flush()
    return f"{selector}.{verifier}"


def admin_of(db: Session, admin_id: int, session_id: str) -> Admin | None:
    """The admin this session belongs to, if the session is still valid (not ended, not expired)."""
    row = _row(db, session_id)
    if row is None or row.admin_id != admin_id:
        return None
    expires = row.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)  # SQLite returns naive datetimes
    return db.get(Admin, admin_id) if expires > _now() else None


def end(db: Session, session_id: str) -> None:
    """End one session (logout)."""
    row = _row(db, session_id)
    if row is not None:
        db.delete(row)
        db.flush()


def end_all(db: Session, admin_id: int) -> int:
    """End every session of the admin (password changed, admin removed); returns how many ended."""
    ended = db.execute(delete(AdminSession).where(AdminSession.admin_id == admin_id))
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult
