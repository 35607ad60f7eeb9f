"""Admin accounts: scrypt password hashes, sign-in checks, installation grants."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage import admin_sessions
from storage.tables import Admin, AdminGrant, Installation

N, R, P = 2**14, 8, 1
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # characters; the same limit when a password is set and when it is checked
_DUMMY = None  # a hash to compare against when the user does not exist (same time either way)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(stored: str, password: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    computed = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(computed, base64.b64decode(digest))


def check_new_password(password: str) -> None:
    """Refuse a password that could not be used to sign in (ValueError naming the limit)."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ValueError(
            f"the password must have at most {MAX_PASSWORD} characters (this one has {len(password)})"
        )


def by_name(session: Session, username: str) -> Admin | None:
    return session.scalars(select(Admin).where(Admin.username == username.strip().lower())).first()


def create(session: Session, username: str, password: str) -> Admin:
    username = username.strip().lower()
    if not username or len(username) > 255:
        raise ValueError("a username is needed (at most 255 characters)")
    check_new_password(password)
    if session.scalars(select(Admin).where(Admin.username == username)).first() is not None:
        raise ValueError(f"an admin named {username!r} exists already")
    admin = Admin(username=username, password_hash=hash_password(password))
    session.add(admin)
    session.flush()
    return admin


def authenticate(session: Session, username: str, password: str) -> Admin | None:
    global _DUMMY
    admin = by_name(session, username)
    if len(password) > MAX_PASSWORD:
        password, admin = password[:MAX_PASSWORD], None  # no password this long can be set: wrong
    if admin is None or not admin.password_hash:
        _DUMMY = _DUMMY or hash_password(secrets.token_hex(8))
        check_password(_DUMMY, password)  # spend the same time: no user enumeration by timing
        return None
    if not check_password(admin.password_hash, password):
        return None
    admin.last_login_at = datetime.now(UTC)
    return admin


def set_password(session: Session, admin: Admin, password: str) -> int:
    """Change a local admin's password and end all of their sessions; returns how many ended."""
    check_new_password(password)
    admin.password_hash = hash_password(password)
    return admin_sessions.end_all(session, admin.id)


def remove(session: Session, admin: Admin) -> int:
    """Delete the admin with their grants and sessions; returns how many sessions ended."""
    ended = admin_sessions.end_all(session, admin.id)
    session.execute(delete(AdminGrant).where(AdminGrant.admin_id == admin.id))
    session.delete(admin)
    session.flush()
    return ended


def revoke(session: Session, admin_id: int, installation_id: int) -> bool:
    """Take one installation away from an admin (effective on their next request); False if not granted."""
    removed = session.execute(
        delete(AdminGrant).where(
            AdminGrant.admin_id == admin_id, AdminGrant.installation_id == installation_id
        )
    )
    return bool(removed.rowcount)  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult


def grant(session: Session, admin_id: int, installation_id: int) -> None:
    exists = session.scalars(
        select(AdminGrant).where(
            AdminGrant.admin_id == admin_id, AdminGrant.installation_id == installation_id
        )
    ).first()
    if exists is None:
        session.add(AdminGrant(admin_id=admin_id, installation_id=installation_id))
        session.flush()


def installations_of(session: Session, admin_id: int) -> list[Installation]:
    return list(
        session.scalars(
            select(Installation)
            .join(AdminGrant, AdminGrant.installation_id == Installation.id)
            .where(AdminGrant.admin_id == admin_id)
            .order_by(Installation.id)
        )
    )


def may_use(session: Session, admin_id: int, installation_id: int) -> bool:
    return (
        session.scalars(
            select(AdminGrant.id).where(
                AdminGrant.admin_id == admin_id, AdminGrant.installation_id == installation_id
            )
        ).first()
        is not None
    )


def crm_key(crm: str, tenant_id: str, user_id: str) -> str:
    return f"{crm}:{tenant_id}:{user_id}"


def allow_crm_user(session: Session, crm: str, tenant_id: str, user_id: str, installation_id: int) -> Admin:
    """Let a CRM user sign in through the CRM's OAuth and manage this installation."""
    key = crm_key(crm, tenant_id, user_id)
    admin = session.scalars(select(Admin).where(Admin.crm_user == key)).first()
    if admin is None:
        admin = Admin(username=key, password_hash="", crm_user=key)
        session.add(admin)
        session.flush()
    grant(session, admin.id, installation_id)
    return admin


def by_crm_user(session: Session, crm: str, tenant_id: str, user_id: str) -> Admin | None:
    admin = session.scalars(select(Admin).where(Admin.crm_user == crm_key(crm, tenant_id, user_id))).first()
    if admin is not None:
        admin.last_login_at = datetime.now(UTC)
    return admin


def by_exact_or_lower_name(session: Session, username: str) -> Admin | None:
    """An admin by the name as given (a CRM user's ``crm:tenant:user`` is case-sensitive), else by
    the lower-case name a local admin has."""
    exact = session.scalars(select(Admin).where(Admin.username == username.strip())).first()
    return exact or by_name(session, username)
