"""Thin Celery tasks: ids in, a service call, a logged outcome. All share one reliability base."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import redis
import sqlalchemy.exc
from celery import Task, shared_task
from celery.signals import worker_ready

from connector.errors import CrmAuthError, CrmError, CrmRateLimited, CrmUnavailable
from connector.registry import provider
from core.records import ObjectType
from core.settings import load_settings
from oauth.errors import InvalidGrant
from storage.redis_locks import LockTimeout
from storage.vault import VaultError
from workers.services import key_check
from workers.services.backfill import run_backfill
from workers.services.context import (
    InstallationContext,
    InstallationGone,
    InstallationPaused,
    Runtime,
    build_context,
)
from workers.services.heartbeat import backfill_heartbeat
from workers.services.install import mark_needs_reauth
from workers.services.sync import handle_changes

log = logging.getLogger(__name__)
PAGES_PER_TASK = 20
# Infrastructure hiccups a task outlives by retrying: the database restarting, Redis restarting, a
# lock held too long by a task that died.
TRANSIENT = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, redis.RedisError, LockTimeout)


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime.from_settings(load_settings())


class LeadqTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True
    max_retries = 8

    def backoff(self) -> int:
        return min(600, 5 * 2**self.request.retries)


def _context(installation_id: int, pending: bool = False) -> InstallationContext:
    """``build_context``; an installation marked ``cannot_decrypt`` whose tokens this worker's keys do
    open is recovered first (its kept events queued again), then worked on."""
    try:
        return build_context(runtime(), installation_id, pending=pending)
    except InstallationPaused:
        if not key_check.recover(runtime(), installation_id):
            raise
    return build_context(runtime(), installation_id, pending=pending)


def _cannot_decrypt(installation_id: int) -> dict[str, Any]:
    """This worker's LEADQ_ENCRYPTION_KEYS do not open the tokens: not the CRM's doing. Mark the
    installation with the reason; its events stay queued (nothing marked done, nothing dropped) until
    a worker with the right keys recovers it."""
    key_check.mark_undecryptable(runtime(), installation_id)
    return {"cannot_decrypt": True}


def _pause(installation_id: int, reason: str) -> None:
    from sqlalchemy import update

    from storage import installations
    from storage.tables import ProcessedEvent

    rt = runtime()
    with rt.sessions() as session:
        row = installations.get(session, installation_id)
        if row is not None and row.status == installations.CANNOT_DECRYPT:
            return  # a key problem, not a lost authorisation: the mark and the queued events stay
    mark_needs_reauth(rt.sessions, installation_id, reason)
    with rt.sessions.begin() as session:  # kept, not dropped: they resume after the reinstall
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == "queued")
            .values(status="paused")
        )


@shared_task(bind=True, base=LeadqTask, name="leadq.process_changes")
def process_changes(self: LeadqTask, installation_id: int, event_keys: list[str]) -> dict[str, Any]:
    try:
        report = handle_changes(_context(installation_id))
    except InstallationGone as exc:
        log.warning("task.installation-gone", extra={"installation": installation_id, "why": str(exc)})
        return {}
    except InstallationPaused:
        _pause(installation_id, "needs re-authorization")
        return {}
    except (InvalidGrant, CrmAuthError) as exc:
        _pause(installation_id, str(exc))
        return {}
    except VaultError:
        return _cannot_decrypt(installation_id)
    except (CrmRateLimited, CrmUnavailable) as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after or self.backoff()) from None
    except TRANSIENT as exc:  # the events stay queued in the database; this task comes back for them
        raise self.retry(exc=exc, countdown=self.backoff()) from None
    return {"scored": report.scored, "writes": report.writes, "failed": report.failed}


@shared_task(bind=True, base=LeadqTask, name="leadq.backfill")
def backfill(
    self: LeadqTask,
    installation_id: int,
    object_type: str | None = None,
    dry_run: bool = False,
    pending: bool = False,
    resume: bool = False,
) -> dict:
    """Backfill one people object (default: the CRM's first), then hand on to the next one.
    ``pending`` (previews only): score with the configuration saved but not yet approved.
    ``resume``: continue from the checkpoint, never start a finished backfill over (continuations,
    retries and the watchdog pass it; so does a redelivery: a dead worker's task that comes back)."""
    resume = resume or bool((self.request.delivery_info or {}).get("redelivered"))
    name = "preview" if dry_run else "backfill"
    try:
        rt = runtime()
        with backfill_heartbeat(rt.redis, installation_id, name, rt.settings.backfill_heartbeat_s):
            ctx = _context(installation_id, pending=pending and dry_run)
            # People first, then their accounts (scored from the people just written).
            objects = [o.value for o in (*ctx.adapter.people_objects, ObjectType.ACCOUNT)]
            object_type = object_type or objects[0]
            progress, report = run_backfill(
                ctx, ObjectType(object_type), dry_run, max_pages=PAGES_PER_TASK, resume=resume
            )
    except InstallationGone:
        return {}
    except (InstallationPaused, InvalidGrant, CrmAuthError) as exc:
        _pause(installation_id, str(exc))
        return {}
    except VaultError:
        return _cannot_decrypt(installation_id)
    except CrmError as exc:
        if exc.reason in ("rate-limited", "unavailable"):
            raise self.retry(
                args=[installation_id, object_type, dry_run, pending, True],
                exc=exc,
                countdown=exc.retry_after or self.backoff(),
            ) from None
        raise
    except TRANSIENT as exc:  # the database or Redis went away for a moment: come back from the checkpoint
        raise self.retry(
            args=[installation_id, object_type, dry_run, pending, True], exc=exc, countdown=self.backoff()
        ) from None
    if progress.status != "done":  # hand the next pages to a fresh task: short tasks, fair queues
        self.apply_async(args=[installation_id, object_type, dry_run, pending, True], queue="backfill")
    elif object_type in objects and objects.index(object_type) + 1 < len(objects):
        following = objects[objects.index(object_type) + 1]
        self.apply_async(args=[installation_id, following, dry_run, pending], queue="backfill")
    return {"done": progress.done, "total": progress.total, "writes": report.writes}


@shared_task(bind=True, base=LeadqTask, name="leadq.retrain")
def retrain_task(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """Build a challenger; when it is promoted, re-score everything (only changed values are written)."""
    from workers.services.retrain import retrain

    try:
        outcome = retrain(_context(installation_id))
    except (InstallationGone, InstallationPaused):
        return {}
    except (InvalidGrant, CrmAuthError) as exc:
        _pause(installation_id, str(exc))
        return {}
    except VaultError:
        return _cannot_decrypt(installation_id)
    if outcome.get("promoted"):
        _restart_backfill(installation_id)
    return outcome


@shared_task(base=LeadqTask, name="leadq.decay")
def decay(installation_id: int) -> None:
    """The daily pass: engagement decays, so re-score everyone; only values that moved are written."""
    _restart_backfill(installation_id)


def _restart_backfill(installation_id: int) -> None:
    """Re-score everyone from the start (the first people object, then the next): only values that
    moved are written."""
    from sqlalchemy import update

    from storage.tables import SyncCursor

    with runtime().sessions.begin() as session:  # start the backfill over, not resume it
        session.execute(
            update(SyncCursor)
            .where(SyncCursor.installation_id == installation_id, SyncCursor.name == "backfill")
            .values(status="idle")
        )
    backfill.apply_async(args=[installation_id, None, False], queue="backfill")


@shared_task(bind=True, base=LeadqTask, name="leadq.poll")
def poll(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """Salesforce change capture by polling; new changes go through the change handler at once."""
    from workers.services.poll import poll_changes

    try:
        ctx = _context(installation_id)
        found = poll_changes(ctx)
        report = handle_changes(ctx, window_s=0) if found.queued else None
    except InstallationGone:
        return {}
    except (InstallationPaused, InvalidGrant, CrmAuthError) as exc:
        _pause(installation_id, str(exc))
        return {}
    except VaultError:
        return _cannot_decrypt(installation_id)
    except (CrmRateLimited, CrmUnavailable) as exc:
        log.warning("task.poll.deferred", extra={"installation": installation_id, "why": str(exc)[:200]})
        return {"deferred": True}  # the next scheduled poll picks up from the same mark
    return {
        "seen": found.seen,
        "new": found.new,
        "echoes": found.echoes,
        "writes": report.writes if report else 0,
    }


@shared_task(bind=True, base=LeadqTask, name="leadq.reroute")
def reroute_task(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """SLA re-routing and redistribution of a deactivated rep's open leads (beat runs it)."""
    from workers.services.reroute import reroute_pass

    try:
        report = reroute_pass(_context(installation_id))
    except (InstallationGone, InstallationPaused):
        return {}
    except (InvalidGrant, CrmAuthError) as exc:
        _pause(installation_id, str(exc))
        return {}
    except VaultError:
        return _cannot_decrypt(installation_id)
    except (CrmRateLimited, CrmUnavailable) as exc:
        log.warning("task.reroute.deferred", extra={"installation": installation_id, "why": str(exc)[:200]})
        return {"deferred": True}  # the next scheduled pass picks the same assignments up
    return {"checked": report.checked, "rerouted": report.rerouted, "overridden": report.overridden}


@shared_task(base=LeadqTask, name="leadq.schedule")
def schedule(kind: str) -> int:
    """Beat's entry point: fan a periodic job out to every active installation."""
    from storage import installations

    if kind == "watchdog":
        return watchdog()
    if kind == "keys":
        return len(recover_keys())
    if kind == "prune":
        from storage.retention import prune

        gone = prune(runtime().sessions, runtime().settings.retention_days)
        log.info("retention.pruned", extra={"events": gone.events, "scores": gone.scores})
        return gone.events + gone.scores + gone.routing_decisions
    task = {
        "retrain": retrain_task,
        "decay": decay,
        "poll": poll,
        "reconcile": reconcile_task,
        "reroute": reroute_task,
    }[kind]
    queue = {
        "retrain": "training",
        "decay": "backfill",
        "poll": "changes",
        "reconcile": "backfill",
        "reroute": "changes",
    }[kind]
    with runtime().sessions() as session:
        active = [
            i.id
            for i in installations.list_all(session)
            if i.status in installations.WORKING and (kind != "poll" or provider(i.crm_kind).polls)
        ]
    for installation_id in active:
        task.apply_async(args=[installation_id], queue=queue)
    return len(active)


@shared_task(bind=True, base=LeadqTask, name="leadq.reconcile")
def reconcile_task(
    self: LeadqTask, installation_id: int, trigger: str = "scheduled", fix: bool = False
) -> dict[str, Any]:
    """The daily check that the CRM holds what leadq decided (results on the Sync page and in status);
    ``fix`` (the admin app's button): rewrite leadq's own fields that are wrong or missing, then check."""
    from workers.services.reconcile import reconcile

    try:
        ctx = _context(installation_id)
        if fix:
            reconcile(ctx, fix=True, trigger=trigger)
        result = reconcile(ctx, trigger=trigger)
    except (InstallationGone, InstallationPaused):
        return {}
    except (InvalidGrant, CrmAuthError) as exc:
        _pause(installation_id, str(exc))
        return {}
    except VaultError:
        return _cannot_decrypt(installation_id)
    except (CrmRateLimited, CrmUnavailable) as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after or self.backoff()) from None
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=self.backoff()) from None
    return {"checked": result.checked, **dict(result.counts)}


@shared_task(bind=True, base=LeadqTask, name="leadq.retry")
def retry_errors(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """The admin app's "Retry" button: failed records go through the sync path again."""
    from workers.services.retry import retry_dead_letters

    try:
        retried, failing = retry_dead_letters(_context(installation_id))
    except (InstallationGone, InstallationPaused):
        return {}
    except (InvalidGrant, CrmAuthError) as exc:
        _pause(installation_id, str(exc))
        return {}
    except VaultError:
        return _cannot_decrypt(installation_id)
    except (CrmRateLimited, CrmUnavailable) as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after or self.backoff()) from None
    return {"retried": retried, "failing": failing}


def watchdog() -> int:
    """Requeue work whose task was lost (a broker that restarted without persistence, a task that
    failed for good): backfills that stopped moving, and change events still queued. Both resume
    from what the database holds, so nothing is repeated."""
    from workers.services.watchdog import stalled_work

    rt = runtime()
    recover_keys()  # first: a recovered installation's stalled backfill is found just below
    work = stalled_work(
        rt.sessions, rt.settings.stall_after_s, client=rt.redis, lost_after_s=rt.settings.worker_lost_after_s
    )
    for item in work.backfills:
        backfill.apply_async(
            args=[item.installation_id, item.object_type, item.dry_run, item.pending, True], queue="backfill"
        )
    for installation_id in work.changes:
        process_changes.apply_async(args=[installation_id, []], queue="changes")
    if work.backfills or work.changes:
        log.warning(
            "watchdog.requeued",
            extra={"backfills": len(work.backfills), "changes": len(work.changes)},
        )
    return len(work.backfills) + len(work.changes)


def recover_keys() -> list[int]:
    """Installations a worker with other keys marked ``cannot_decrypt`` whose tokens this worker's keys
    open: the mark is cleared and their kept changes are handed to a task (the watchdog and a worker
    starting run this; a task for the installation does it too)."""
    recovered = key_check.recover_all(runtime())
    for installation_id in recovered:
        process_changes.apply_async(args=[installation_id, []], queue="changes")
    return recovered


@worker_ready.connect
def _recover_keys_on_start(sender: Any = None, **_: Any) -> None:
    """A worker restarted with the right LEADQ_ENCRYPTION_KEYS picks up what a wrong-key worker
    marked at once, not at the next watchdog run. Runs in the worker's main process, before any
    task: its database engine is its own and disposed of (forked pool processes must not share it)."""
    settings = load_settings()
    rt = Runtime.from_settings(settings)
    try:
        recovered = key_check.recover_all(rt)
        for installation_id in recovered:
            process_changes.apply_async(args=[installation_id, []], queue="changes")
    except Exception as exc:  # noqa: BLE001 - never keep a worker from starting: the watchdog tries again
        log.warning("worker.keys-check-failed", extra={"error": type(exc).__name__})
    finally:
        rt.sessions.kw["bind"].dispose()
        rt.redis.close()
