"""The one change intake: every change leadq hears of (a HubSpot webhook, a Salesforce outbound
message, the Salesforce poll) is accepted here before a worker sees it.

``accept`` holds the installation check (unknown or uninstalled: nothing is recorded), the echo
filter (leadq's own writes coming back), the dedupe (the first delivery of a key is recorded, every
later one is a duplicate) and the pause marking (an installation that cannot be worked on keeps its
changes ``paused`` until it is working again). What it returns are the keys to hand to the workers,
after the caller's transaction commits (a worker must find the rows). No Flask, no Celery, no SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Protocol

from storage import events as event_store
from storage import installations
from storage.db import Session
from storage.statuses import EventStatus


class InstallationRow(Protocol):
    id: int
    status: str


@dataclass(frozen=True, slots=True)
class Change:
    """One change as the intake takes it: its dedupe key and the record it names. ``echo``: leadq's
    own write coming back (dropped, counted). ``version_key``: the key of the record version the
    sender claims it carries; only ever used to drop a change leadq has read already, never
    recorded (it is the sender's word)."""

    key: str
    object_type: str
    record_id: str
    occurred_at: datetime | None = None
    echo: bool = False
    version_key: str | None = None


@dataclass
class Accepted:
    """What ``accept`` did. ``queued``: the keys recorded as queued, for the workers."""

    queued: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # every key recorded now, queued or paused
    accepted: int = 0
    duplicates: int = 0
    echoes: int = 0
    paused: int = 0
    unknown: int = 0  # changes of an installation leadq does not have (or no longer has)

    def merge(self, other: Accepted) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def counts(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "echoes": self.echoes,
            "paused": self.paused,
        }


def known_installation(installation: InstallationRow | None) -> bool:
    """An installation changes may be recorded for: it exists and is not uninstalled."""
    return installation is not None and installation.status != installations.UNINSTALLED


def accept(session: Session, installation: InstallationRow | None, changes: Sequence[Change]) -> Accepted:
    """Record the new changes of one installation in the caller's transaction (see the module)."""
    if installation is None or not known_installation(installation):
        return Accepted(unknown=len(changes))
    result = Accepted(echoes=sum(1 for c in changes if c.echo))
    rest = [c for c in changes if not c.echo]
    claimed = [c.version_key for c in rest if c.version_key]
    have = event_store.known(session, installation.id, claimed) if claimed else set()
    new = [c for c in rest if c.version_key is None or c.version_key not in have]
    working = installation.status in installations.WORKING
    fresh = event_store.record_new(
        session,
        installation.id,
        [(c.key, c.object_type, c.record_id, c.occurred_at) for c in new],
        status=EventStatus.QUEUED if working else EventStatus.PAUSED,  # paused: kept until it works again
    )
    result.recorded = fresh
    result.duplicates = len(rest) - len(fresh)
    if working:
        result.accepted, result.queued = len(fresh), fresh
    else:
        result.paused = len(fresh)
    return result
