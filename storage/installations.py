"""Installations: upsert on (CRM kind, tenant id), status changes."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.records import CrmKind
from storage.statuses import InstallationStatus
from storage.tables import Installation

ACTIVE = InstallationStatus.ACTIVE
NEEDS_REAUTH = InstallationStatus.NEEDS_REAUTH
PAUSED = InstallationStatus.PAUSED
UNINSTALLED = InstallationStatus.UNINSTALLED
THROTTLED = InstallationStatus.THROTTLED
CANNOT_DECRYPT = InstallationStatus.CANNOT_DECRYPT
CANNOT_DECRYPT_REASON = "this worker cannot decrypt the tokens: check LEADQ_ENCRYPTION_KEYS"
STATUSES = (ACTIVE, NEEDS_REAUTH, PAUSED, UNINSTALLED, THROTTLED, CANNOT_DECRYPT)
WORKING = (ACTIVE, THROTTLED)


def upsert_installation(
    session: Session,
    crm: CrmKind,
    tenant_id: str,
    *,
    installed_by: str = "",
    instance_url: str = "",
    scopes: str = "",
    auth_env: str = "",
) -> Installation:
    """Create the installation or repair it in place: a reinstall reactivates it."""
    row = find(session, crm, tenant_id)
    if row is None:
        row = Installation(crm_kind=crm.value, tenant_id=tenant_id)
        session.add(row)
    row.status = ACTIVE
    row.status_reason = ""
    if installed_by:
        row.installed_by = installed_by
    if instance_url:
        row.instance_url = instance_url
    if scopes:
        row.scopes = scopes
    if auth_env:
        row.auth_env = auth_env
    session.flush()
    return row


def find(session: Session, crm: CrmKind, tenant_id: str) -> Installation | None:
    stmt = select(Installation).where(Installation.crm_kind == crm.value, Installation.tenant_id == tenant_id)
    return session.scalars(stmt).one_or_none()


def get(session: Session, installation_id: int) -> Installation | None:
    return session.get(Installation, installation_id)


def set_status(session: Session, installation_id: int, status: str, reason: str = "") -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown installation status {status!r}")
    row = session.get(Installation, installation_id)
    if row is None:
        raise LookupError(f"no installation {installation_id}")
    row.status = status
    row.status_reason = reason
    session.flush()


def mark_cannot_decrypt(session: Session, installation_id: int) -> bool:
    """Only a working installation is marked: a paused or uninstalled one keeps its own reason."""
    row = session.get(Installation, installation_id)
    if row is None or row.status not in WORKING:
        return False
    set_status(session, installation_id, CANNOT_DECRYPT, CANNOT_DECRYPT_REASON)
    return True


def marked_cannot_decrypt(session: Session) -> list[int]:
    stmt = select(Installation.id).where(Installation.status == CANNOT_DECRYPT).order_by(Installation.id)
    return list(session.scalars(stmt))


def list_all(session: Session) -> list[Installation]:
    return list(session.scalars(select(Installation).order_by(Installation.id)))


def apply_pending(
    session: Session, installation_id: int, expected: tuple[str | None, str | None] | None = None
) -> bool:
    """Make the saved-but-unapproved ICP/routing configuration the live one; False if there is none.

    ``expected`` is the pending (ICP, routing) as the caller read it when it checked its preview (the
    row's current values if omitted). That is what becomes live, and the pending configuration is
    cleared only if it is still exactly that, compare-and-clear in one UPDATE: a save committed since
    the caller's read stays pending (with its own preview). Returns False if nothing was pending."""
    row = session.get(Installation, installation_id)
    if row is None:
        return False
    icp, routing = expected if expected is not None else (row.pending_icp_toml, row.pending_routing_toml)
    if icp is None and routing is None:
        return False
    session.flush()  # the caller's own changes first: the statements below bypass the ORM
    live = {k: v for k, v in (("icp_toml", icp), ("routing_toml", routing)) if v}
    if live:
        session.execute(
            update(Installation)
            .where(Installation.id == installation_id)
            .values(**live)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Installation)
        .where(
            Installation.id == installation_id,
            Installation.pending_icp_toml.is_not_distinct_from(icp),
            Installation.pending_routing_toml.is_not_distinct_from(routing),
        )
        .values(pending_icp_toml=None, pending_routing_toml=None)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)  # re-read: a pending configuration still there is one saved meanwhile
    return True


def save_pending(session: Session, installation_id: int, icp: str | None, routing: str | None) -> bool:
    """Save an ICP/routing configuration as pending (not yet live); False if there is no such
    installation."""
    row = session.get(Installation, installation_id)
    if row is None:
        return False
    row.pending_icp_toml, row.pending_routing_toml = icp, routing
    return True


def discard_pending(session: Session, installation_id: int) -> None:
    """Forget the pending configuration; the live one stays."""
    row = session.get(Installation, installation_id)
    if row is not None:
        row.pending_icp_toml = row.pending_routing_toml = None
