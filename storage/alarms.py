"""Monitoring alarms kept in the store: one open per (installation, kind, subject), raised when its
condition first holds, kept (``last_seen_at``, cause refreshed) while it holds, cleared
(``cleared_at``) when it ends. ``notified_at`` / ``clear_notified_at`` record the webhook's delivery,
so a failed POST is tried again on the next evaluation."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import AlarmRow


class Finding(Protocol):
    """What storage reads of a ``monitoring.alarms.AlarmFinding``."""

    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def since(self) -> datetime | None: ...
    @property
    def check_hint(self) -> str: ...
    @property
    def details(self) -> object: ...


def _open(session: Session, installation_id: int | None) -> list[AlarmRow]:
    stmt = select(AlarmRow).where(AlarmRow.cleared_at.is_(None))
    if installation_id is not None:
        stmt = stmt.where(AlarmRow.installation_id == installation_id)
    return list(session.scalars(stmt.order_by(AlarmRow.installation_id, AlarmRow.raised_at, AlarmRow.id)))


def open_alarms(session: Session, installation_id: int | None = None) -> list[AlarmRow]:
    """The open alarms, oldest first (of one installation, or of every one)."""
    return _open(session, installation_id)


def _details(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


SWITCHED_OFF = "switched_off"  # details["closed"] of an alarm closed because its kind was switched off

KIND_WORDS = {
    "score_drift": "Score drift",
    "input_drift": "Input drift",
    "missing_rate": "Field arriving empty",
    "tier_inflation": "Tier inflation",
    "calibration": "Calibration shift",
    "lift": "L1 barely above L4",
    "top30_capture": "Top 30% catching fewer wins",
    "parked_share": "Leads parked in fallback queues",
    "sla_breaches": "SLA breaches",
    "inactive_owner": "Inactive rep",
    "fairness_drift": "Rep share off their weight",
    "multiplier_bounds": "Multiplier outside its bounds",
}


def kind_words(kind: str) -> str:
    """An alarm kind as people read it ("Inactive rep" for ``inactive_owner``)."""
    return KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())


def subject_words(row: AlarmRow) -> str:
    """The alarm's subject as people read it: the rep's name (not their owner id) where the alarm kept
    it, "Bo in pool inbound" for a rep's share of a pool, else the subject itself."""
    details = row.details or {}
    name = str(details.get("name") or "")
    if row.kind == "inactive_owner" and name:
        return name
    if row.kind == "fairness_drift" and name:
        return f"{name} in pool {details.get('pool', '')}".strip()
    return row.subject or ""


def label(row: AlarmRow) -> str:
    """ "Inactive rep (Bo)": the kind in words, the subject as people read it."""
    subject = subject_words(row)
    return f"{kind_words(row.kind)} ({subject})" if subject else kind_words(row.kind)


def switched_off(row: AlarmRow) -> bool:
    """The alarm was closed because its kind was switched off, not because its condition ended."""
    return row.cleared_at is not None and (row.details or {}).get("closed") == SWITCHED_OFF


def sync(
    session: Session,
    installation_id: int,
    findings: Sequence[Finding],
    now: datetime,
    off: Collection[str] = (),
) -> tuple[list[AlarmRow], list[AlarmRow], list[AlarmRow]]:
    """Make the open alarms match ``findings``: (raised, closed, still open). An open alarm whose kind
    is in ``off`` (switched off in the ``[monitoring]`` table) is closed as switched off
    (``switched_off(row)``): its condition may still hold, so it is never said to have cleared."""
    current = {(row.kind, row.subject): row for row in _open(session, installation_id)}
    raised: list[AlarmRow] = []
    still: list[AlarmRow] = []
    for finding in {(f.kind, f.subject): f for f in findings}.values():
        row = current.pop((finding.kind, finding.subject), None)
        if row is None:
            row = AlarmRow(
                installation_id=installation_id,
                kind=finding.kind,
                subject=finding.subject[:128],
                since=finding.since or now,
                raised_at=now,
            )
            session.add(row)
            raised.append(row)
        else:
            still.append(row)
        row.cause, row.check_hint = finding.cause, finding.check_hint
        row.details = _details(finding.details)
        row.last_seen_at = now
    for row in current.values():
        row.cleared_at = now
        if row.kind in off:
            row.details = {**(row.details or {}), "closed": SWITCHED_OFF}
    session.flush()
    return raised, list(current.values()), still


def to_notify(session: Session, installation_id: int) -> tuple[list[AlarmRow], list[AlarmRow]]:
    """(raised alarms not yet announced, cleared alarms whose clearing was not yet announced); an
    alarm that cleared before its raise was announced is not announced at all."""
    stmt = select(AlarmRow).where(AlarmRow.installation_id == installation_id)
    raised = session.scalars(stmt.where(AlarmRow.notified_at.is_(None), AlarmRow.cleared_at.is_(None)))
    cleared = session.scalars(
        stmt.where(
            AlarmRow.notified_at.is_not(None),
            AlarmRow.cleared_at.is_not(None),
            AlarmRow.clear_notified_at.is_(None),
        )
    )
    return list(raised), list(cleared)


def mark_notified(row: AlarmRow, now: datetime) -> None:
    if row.cleared_at is None:
        row.notified_at = now
    else:
        row.clear_notified_at = now


def counts(session: Session) -> dict[int, list[tuple[str, str]]]:
    """installation -> its open alarms' (kind, subject), for /metrics."""
    found: dict[int, list[tuple[str, str]]] = {}
    for row in _open(session, None):
        found.setdefault(row.installation_id, []).append((row.kind, row.subject))
    return found


EARLY_RETRAIN = "leadq:early-retrain"


def mark_early_retrain(client: Redis, installation_id: int, at: datetime) -> None:
    """A drift alarm asked for the retrain early, at ``at`` (kept a week)."""
    client.set(f"{EARLY_RETRAIN}:{installation_id}", at.isoformat(), ex=7 * 86_400)


def early_retrain_at(client: Redis, installation_id: int) -> datetime | None:
    raw = client.get(f"{EARLY_RETRAIN}:{installation_id}")
    try:
        return datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else str(raw)) if raw else None
    except ValueError:
        return None
