"""Where an installation's backfill preview stands, as its Sync page and its JSON status show it.

A preview is one cursor row per object it visits (storage/cursors.py), made when it is asked for.
Its state, with the sentence the page shows:

* ``waiting``: asked for, no worker has started it yet;
* ``running``: a worker is on it (n of total records looked at, per object);
* ``no_worker``: neither a task's heartbeat (storage/heartbeats.py) nor a checkpoint for
  ``LEADQ_WORKER_LOST_AFTER_S``: no worker is picking it up, and the page says how to start one;
* ``cancelled``: an admin stopped it; ``done``: every object was previewed.

The figures and the sentence come from the same rows, so the bar and the text never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connector.registry import provider
from leadq.web.field_words import ACTION_WORDS as ACTION_WORDS
from leadq.web.field_words import scoped_label, worded
from leadq.web.object_names import OBJECT_ORDER, object_names
from storage import cursors, installations
from storage.db import UNAVAILABLE, Redis, Session
from storage.heartbeats import beat_age
from storage.stamps import aware
from storage.statuses import CursorStatus

WRITING = ("fill", "change", "create")  # what writes to the CRM (create: a new Leads record)
START_WORKER = (
    "Is a worker running? Start one with: celery -A workers.celery_app worker -Q backfill "
    "(see docs/operations.md), or cancel the preview."
)


def _records(n: int) -> str:
    return f"{n:,} record" + ("" if n == 1 else "s")


def _object(row: Any, label: str) -> dict[str, Any]:
    total = row.total
    if row.status == CursorStatus.DONE:
        text = f"{row.done:,} {label} - done"
    elif total:
        text = f"{min(row.done, total):,} / {total:,} {label}"
    else:
        text = f"{row.done:,} {label} so far"
    return {
        "object_type": row.object_type,
        "label": label,
        "done": row.done,
        "total": total,
        "status": row.status,
        "text": text,
    }


def preview_summary(db: Session, installation_id: int, applied_hash: str) -> dict[str, Any] | None:
    """The preview as the stored rows say (no liveness yet); None if there is none. ``applied_hash``:
    the configuration Approve would make live (``current``: every page was computed from it)."""
    from workers.services.config_hash import same_hash

    inst = installations.get(db, installation_id)
    totals = cursors.preview_totals(db, installation_id)
    if inst is None or totals is None:
        return None
    crm = provider(inst.crm_kind)
    rows = sorted(totals.rows, key=lambda r: OBJECT_ORDER.get(r.object_type, 9))
    labels = object_names(inst.crm_kind)
    objects = [_object(r, labels.get(r.object_type, r.object_type)) for r in rows]
    seen = {r.object_type for r in rows}
    done = all(r.status == CursorStatus.DONE for r in rows) and {o.value for o in crm.synced_objects} <= seen
    cancelled = any(r.status == CursorStatus.CANCELLED for r in rows)
    known = [r.total for r in rows]
    updated = [u for r in rows if (u := aware(r.updated_at)) is not None]
    return {
        "state": "done" if done else "cancelled" if cancelled else "running",
        "done": done,  # every object previewed (Salesforce: leads, contacts, then accounts)
        "records": sum(r.done for r in rows),
        "total": sum(t for t in known if t) if all(t is not None for t in known) else None,
        "started": any(r.status != CursorStatus.IDLE or r.done for r in rows),
        "objects": objects,
        "parts": ", ".join(f"{r.done:,} {labels.get(r.object_type, r.object_type)}" for r in rows),
        "fields": [
            (scoped_label(key, inst.crm_kind), key, worded(actions)) for key, actions in totals.fields
        ],
        "writes": sum(n for _key, actions in totals.fields for a, n in actions.items() if a in WRITING),
        "samples": totals.samples,
        "current": all(same_hash(config, applied_hash) for config in totals.configs),
        "updated_at": max(updated) if updated else None,
    }


def add_liveness(
    summary: dict[str, Any],
    redis: Redis,
    installation_id: int,
    lost_after_s: float,
    now: datetime | None = None,
) -> dict[str, Any]:
    """``summary`` with its state told apart (waiting, running, no worker) and the page's sentence."""
    out = dict(summary)
    if out["state"] == "running":
        now = now or datetime.now(UTC)
        try:
            beat = beat_age(redis, installation_id, cursors.PREVIEW)
        except UNAVAILABLE:  # Redis unreachable: liveness cannot be told, so nothing is claimed
            beat = 0.0
        quiet = (now - out["updated_at"]).total_seconds() if out["updated_at"] else lost_after_s
        alive = beat is not None and beat < lost_after_s
        if not alive and quiet >= lost_after_s:
            out["state"], out["silent_s"] = "no_worker", int(quiet)
        elif not out["started"] and not alive:
            out["state"] = "waiting"
    out["message"] = _message(out)
    return out


def _message(p: dict[str, Any]) -> str:
    seen = _records(p["records"])
    of = f"{p['records']:,} of {_records(p['total'])}" if p["total"] else seen
    state = p["state"]
    if state == "waiting":
        return "Preview requested: waiting for a leadq worker to pick it up. Nothing is written."
    if state == "running":
        return f"Preview running: {of} looked at so far. Nothing is written."
    if state == "no_worker" and not p["started"]:
        return (
            f"No leadq worker has picked this preview up (asked for {p['silent_s']:,} s ago). " + START_WORKER
        )
    if state == "no_worker":
        return (
            f"This preview stopped at {of}: no leadq worker has worked on it for {p['silent_s']:,} s. "
            + START_WORKER
        )
    if state == "cancelled":
        return f"Preview cancelled after {of} looked at. Nothing was written."
    if p["writes"] == 0:
        return f"Preview finished: {seen} looked at, and none would change."
    return f"Preview finished: {seen} looked at."


def public(p: dict[str, Any]) -> dict[str, Any]:
    """The preview status endpoint's answer."""
    keys = ("state", "records", "total", "objects", "message", "writes")
    return {k: p.get(k) for k in keys} | {"done": p["state"] == "done"}
