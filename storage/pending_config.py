"""An installation's saved-but-unapproved configuration (the pending ICP and routing texts), and the
undo steps the admin app takes when the task a save or an Approve needs cannot be started.

Approving (pending becomes live, compare-and-clear) and discarding are ``storage.installations``'
``apply_pending`` and ``discard_pending``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import installations
from storage.tables import Installation

Texts = tuple[str | None, str | None]  # (ICP, routing)


def _row(session: Session, installation_id: int) -> Installation:
    row = session.get(Installation, installation_id)
    if row is None:
        raise LookupError(f"no installation {installation_id}")
    return row


def pending(session: Session, installation_id: int) -> Texts:
    row = _row(session, installation_id)
    return row.pending_icp_toml, row.pending_routing_toml


def live_and_pending(session: Session, installation_id: int) -> tuple[str | None, ...]:
    """(ICP, routing, pending ICP, pending routing): what ``undo_approve`` puts back."""
    row = _row(session, installation_id)
    return row.icp_toml, row.routing_toml, row.pending_icp_toml, row.pending_routing_toml


def save(session: Session, installation_id: int, texts: Texts) -> Texts:
    """Store ``texts`` as the pending configuration; returns the pending one they replace."""
    before = pending(session, installation_id)
    installations.save_pending(session, installation_id, *texts)
    return before


def undo_save(session: Session, installation_id: int, saved: Texts, before: Texts) -> bool:
    """Put ``before`` back, unless another save replaced ``saved`` meanwhile; returns whether it did."""
    row = session.get(Installation, installation_id)
    if row is None or (row.pending_icp_toml, row.pending_routing_toml) != saved:
        return False
    row.pending_icp_toml, row.pending_routing_toml = before
    return True


def undo_approve(session: Session, installation_id: int, before: tuple[str | None, ...]) -> None:
    """Put back the live configuration of ``before`` (from ``live_and_pending``), and its pending one
    unless a configuration was saved since."""
    row = _row(session, installation_id)
    row.icp_toml, row.routing_toml = before[:2]
    if (row.pending_icp_toml, row.pending_routing_toml) == (None, None):
        row.pending_icp_toml, row.pending_routing_toml = before[2:]


def replace_live_icp(session: Session, installation_id: int, icp_text: str, expected: str | None) -> bool:
    """Make ``icp_text`` the live ICP without a preview (a change of the ``[monitoring]`` table only),
    if the live ICP is still ``expected`` and nothing is pending; whether it did."""
    row = session.get(Installation, installation_id, with_for_update=True)
    if row is None or row.icp_toml != expected or row.pending_icp_toml or row.pending_routing_toml:
        return False
    row.icp_toml = icp_text
    return True
