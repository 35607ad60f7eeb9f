"""Is an installation degraded because the CRM refuses owners leadq assigned?"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import DeadLetter

OWNER_REFUSED = "owner-refused"  # the dead-letter reason workers/services/owner_writes.py records


def degraded(session: Session, installation_id: int) -> str | None:
    """ "degraded: N records could not be assigned (owner 60071397 inactive)", or None when every
    assignment landed (unresolved owner refusals only)."""
    rows = session.execute(
        select(DeadLetter.object_type, DeadLetter.record_id, DeadLetter.message).where(
            DeadLetter.installation_id == installation_id,
            DeadLetter.reason == OWNER_REFUSED,
            DeadLetter.resolved_at.is_(None),
        )
    ).all()
    if not rows:
        return None
    records = {(r.object_type, r.record_id) for r in rows}
    owners = sorted({r.message.split(":", 1)[0].removeprefix("owner ").strip() for r in rows})
    shown = ", ".join(owners[:3]) + (f" and {len(owners) - 3} more" if len(owners) > 3 else "")
    noun = "record" if len(records) == 1 else "records"
    who = "owners" if len(owners) > 1 else "owner"
    return f"degraded: {len(records)} {noun} could not be assigned ({who} {shown} inactive)"
