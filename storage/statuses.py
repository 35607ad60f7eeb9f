"""The lifecycle states leadq stores, one enum per table that has a ``status`` column.

They are ``StrEnum``s: a member is the string the database holds, so rows written before these
enums existed compare equal to them.
"""

from __future__ import annotations

from enum import StrEnum


class InstallationStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    PAUSED = "paused"
    UNINSTALLED = "uninstalled"
    THROTTLED = "throttled"  # working, but holding back to stay inside the CRM's API budget
    # A worker's LEADQ_ENCRYPTION_KEYS do not open the stored tokens (not the CRM's doing): the work
    # is kept, and the first worker whose keys open them clears the mark and hands the work back.
    CANNOT_DECRYPT = "cannot_decrypt"


class EventStatus(StrEnum):
    """A change event: queued for the worker, held while the installation is paused, or handled."""

    QUEUED = "queued"
    PAUSED = "paused"
    DONE = "done"


class CursorStatus(StrEnum):
    """A sync cursor (incremental read, backfill, preview or poll)."""

    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"  # a preview an admin stopped: its task stops at its next page


class DecisionStatus(StrEnum):
    """A routing decision, from the moment it is made until the lead is worked or moved on."""

    ASSIGNED = "assigned"
    PARKED = "parked"
    WORKED = "worked"
    REROUTED = "rerouted"
    OVERRIDDEN = "overridden"
    REFUSED = "refused"  # the CRM refused the owner: never an open assignment
    GONE = "gone"  # the CRM no longer returns the record (deleted, merged, converted)


class ModelStatus(StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    RETIRED = "retired"
    REJECTED = "rejected"
