"""Signed-in admin sessions, held server side.

The browser's cookie carries a random session id; only its SHA-256 is stored, so reading the table
gives no usable cookie. A session is valid while its row exists and ``expires_at`` (sign-in time plus
the lifetime: absolute, never extended by activity) is in the future. Logout deletes the row; a
password change or removing the admin deletes all of the admin's rows.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from leadq.storage.tables import Admin, AdminSession


def _now() -> datetime:
    # time.time(), so a test can move the clock for the web app and this module alike
    return datetime.fromtimestamp(time.time(), UTC)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(db: Session, admin_id: int, lifetime_s: int) -> str:
    """A new session for the admin; returns the id for the cookie. Expired rows of the admin go."""
    now = _now()
    db.execute(delete(AdminSession).where(AdminSession.admin_id == admin_id, AdminSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    db.add(
        AdminSession(
            admin_id=admin_id,
            token_hash=_hash(session_id),
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime_s),
        )
    )
    db.flush()
    return session_id


def admin_of(db: Session, admin_id: int, session_id: str) -> Admin | None:
    """The admin this session belongs to, if the session is still valid (not ended, not expired)."""
    row = db.scalars(
        select(AdminSession).where(
            AdminSession.token_hash == _hash(session_id),
            AdminSession.admin_id == admin_id,
            AdminSession.expires_at > _now(),
        )
    ).first()
    return None if row is None else db.get(Admin, admin_id)


def end(db: Session, session_id: str) -> None:
    """End one session (logout)."""
    db.execute(delete(AdminSession).where(AdminSession.token_hash == _hash(session_id)))


def end_all(db: Session, admin_id: int) -> int:
    """End every session of the admin (password changed, admin removed); returns how many ended."""
    ended = db.execute(delete(AdminSession).where(AdminSession.admin_id == admin_id))
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]
