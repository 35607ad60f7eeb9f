"""The signed-in admin of a request: begun at sign-in (password or CRM), checked on every request
against the server-side session row, ended at logout.

The cookie is signed (Flask) and holds the admin's id and a random session id; the session is valid
only while its row exists and has not expired (an absolute lifetime from sign-in, ``LEADQ_SESSION_
LIFETIME_S``), so a cookie replayed after logout, a password change or the admin's removal is refused.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import session

from storage import admin_sessions

log = logging.getLogger(__name__)


def begin(services: Any, admin_id: int, name: str) -> None:
    """A fresh session for this admin: nothing carried over from the browser's earlier session."""
    with services.sessions.begin() as db:
        session_id = admin_sessions.start(db, admin_id, services.settings.session_lifetime_s)
    session.clear()
    session.permanent = True
    session["admin_id"], session["admin_name"], session["sid"] = admin_id, name, session_id


def current(services: Any) -> tuple[int, str] | None:
    """(id, name) of the signed-in admin, or None; a cookie whose session ended is cleared."""
    admin_id, session_id = session.get("admin_id"), session.get("sid")
    if admin_id is None:
        return None
    admin = None
    if isinstance(admin_id, int) and isinstance(session_id, str):
        with services.sessions() as db:
            found = admin_sessions.admin_of(db, admin_id, session_id)
            admin = (found.id, found.username) if found is not None else None
    if admin is None:
        log.info("admin.session-ended", extra={"admin": admin_id})
        session.clear()
    return admin


def end(services: Any) -> None:
    """Logout: the session ends server side too, so the same cookie presented again is refused."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        with services.sessions.begin() as db:
            admin_sessions.end(db, session_id)
    session.clear()
