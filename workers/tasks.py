"""Thin Celery tasks: ids in, a service call, a logged outcome. All share one base, ``LeadqTask``,
and one error policy (``LeadqTask.handle``); work is handed on through ``workers.dispatch``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready

from connector.registry import provider
from core.records import ObjectType
from core.settings import load_settings
from storage import cursors, installations
from storage import events as event_store
from storage.statuses import CursorStatus
from workers import dispatch
from workers.services import key_check
from workers.services.backfill import run_backfill
from workers.services.context import (
    InstallationContext,
    InstallationPaused,
    Runtime,
    build_context,
    utc_now,
)
from workers.services.heartbeat import backfill_heartbeat
from workers.services.install import mark_needs_reauth
from workers.services.sync import handle_changes
from workers.task_base import Outcome, outcome_of

log = logging.getLogger(__name__)
PAGES_PER_TASK = 20


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime.from_settings(load_settings())


class LeadqTask(Task):
    """The base of every leadq task: acknowledged after it ran, and one error policy.

    ``handle`` turns what a task raised into one outcome (``outcome_of``): gone, log and return;
    held (the installation is not working), its queued events are paused; needs re-authorization,
    the installation is marked and its queued events paused (kept, resumed after the reinstall);
    cannot decrypt, marked and its events left queued for a worker with the right keys; transient,
    retried after the wait the CRM asked for or an exponential backoff (``defer_transient`` tasks,
    which beat runs again anyway, log and skip the run instead); anything else fails the task.

    Retries, one rule: short waits in-process, long waits by the task. A connector call retries
    in-process only where the wait is short (a dropped connection, a 5xx, HubSpot's 10-second
    window: a few attempts, each wait capped at 30 s), so a change batch usually finishes under the
    change lock it holds (the lock is renewed meanwhile). What the connector gives up on, and every
    long wait (Salesforce's spent request budget is never waited for in-process), reaches this
    policy as one error, and the task is retried later with the lock and the worker released.
    """

    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True
    max_retries = 8
    defer_transient = False  # True: a transient failure skips this run (the next scheduled one resumes)

    def backoff(self) -> int:
        return min(600, 5 * 2**self.request.retries)

    def retry_args(self) -> list[Any] | None:
        """The arguments of a retry (None: the same as this run's)."""
        return None

    def handle(self, exc: Exception, installation_id: int) -> dict[str, Any]:
        outcome, wait = outcome_of(exc)
        if outcome == Outcome.GONE:
            log.warning("task.installation-gone", extra={"installation": installation_id, "why": str(exc)})
            return {}
        if outcome == Outcome.HELD:
            _hold(installation_id)
            return {}
        if outcome == Outcome.NEEDS_REAUTH:
            _hold(installation_id, needs_reauth=str(exc))
            return {}
        if outcome == Outcome.CANNOT_DECRYPT:
            return _cannot_decrypt(installation_id)
        if outcome == Outcome.TRANSIENT and self.defer_transient:
            log.warning(
                f"task.{self.name.removeprefix('leadq.')}.deferred",
                extra={"installation": installation_id, "why": str(exc)[:200]},
            )
            return {"deferred": True}
        if outcome == Outcome.TRANSIENT:  # the work stays in the database; this task comes back for it
            raise self.retry(args=self.retry_args(), exc=exc, countdown=wait or self.backoff()) from None
        raise exc


def installation_task(
    name: str, base: type[LeadqTask] = LeadqTask
) -> Callable[[Callable[..., dict[str, Any]]], LeadqTask]:
    """A task about one installation (its first argument), run under ``LeadqTask.handle``."""

    def register(run: Callable[..., dict[str, Any]]) -> LeadqTask:
        @wraps(run)
        def guarded(self: LeadqTask, installation_id: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
            try:
                return run(self, installation_id, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the one policy decides, and re-raises the rest
                return self.handle(exc, installation_id)

        task: LeadqTask = shared_task(bind=True, base=base, name=name)(guarded)
        return task

    return register


class _ThisWorker:
    """``workers.dispatch``'s sender inside a worker: through this module's task objects."""

    def send_task(self, name: str, args: list[Any], queue: str, **options: Any) -> None:
        TASKS[name].apply_async(args=args, queue=queue, **options)


THIS_WORKER = _ThisWorker()


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


def _hold(installation_id: int, needs_reauth: str | None = None) -> None:
    """Keep the queued events of an installation that cannot be worked on (paused: they resume after
    the reinstall). ``needs_reauth``: the CRM refused leadq's authorisation, so the installation is
    marked first, with this reason. A key problem (``cannot_decrypt``) changes nothing: the mark
    and the queued events stay for a worker with the right keys."""
    rt = runtime()
    with rt.sessions() as session:
        row = installations.get(session, installation_id)
        if row is not None and row.status == installations.CANNOT_DECRYPT:
            return
    if needs_reauth is not None:
        mark_needs_reauth(rt.sessions, installation_id, needs_reauth)
    with rt.sessions.begin() as session:
        event_store.pause(session, installation_id)


@installation_task("leadq.process_changes")
def process_changes(
    self: LeadqTask, installation_id: int, event_keys: list[str] | None = None
) -> dict[str, Any]:
    """Handle every queued change of the installation. A doorbell: ``event_keys`` is not read (the
    handler takes all queued events, in order, whichever message woke it); it is kept so that the
    messages of earlier releases, which carry keys, still run."""
    report = handle_changes(_context(installation_id))
    return {"scored": report.scored, "writes": report.writes, "failed": report.failed}


class BackfillTask(LeadqTask):
    def retry_args(self) -> list[Any]:
        """A retry continues from the checkpoint (``resume``)."""
        names = ("installation_id", "object_type", "dry_run", "pending")
        given = {**dict(zip(names, self.request.args or (), strict=False)), **(self.request.kwargs or {})}
        given.pop("resume", None)
        return dispatch.backfill_args(given.pop("installation_id"), **given, resume=True)


@installation_task("leadq.backfill", base=BackfillTask)
def backfill(
    self: LeadqTask,
    installation_id: int,
    object_type: str | None = None,
    dry_run: bool = False,
    pending: bool = False,
    resume: bool = False,
) -> dict[str, Any]:
    """Backfill one people object (default: the CRM's first), then hand on to the next one.
    ``pending`` (previews only): score with the configuration saved but not yet approved.
    ``resume``: continue from the checkpoint, never start a finished backfill over (continuations,
    retries and the watchdog pass it; so does a redelivery: a dead worker's task that comes back)."""
    resume = resume or bool((self.request.delivery_info or {}).get("redelivered"))
    rt = runtime()
    name = "preview" if dry_run else "backfill"
    with backfill_heartbeat(rt.redis, installation_id, name, rt.settings.backfill_heartbeat_s):
        ctx = _context(installation_id, pending=pending and dry_run)
        # People first, then their accounts (scored from the people just written).
        objects = [o.value for o in (*ctx.adapter.people_objects, ObjectType.ACCOUNT)]
        object_type = object_type or objects[0]
        progress, report = run_backfill(
            ctx, ObjectType(object_type), dry_run, max_pages=PAGES_PER_TASK, resume=resume
        )
    run = {"dry_run": dry_run, "pending": pending}
    if progress.status == CursorStatus.CANCELLED:  # an admin cancelled the preview: nothing follows
        return {"done": progress.done, "total": progress.total, "cancelled": True}
    if progress.status != "done":  # hand the next pages to a fresh task: short tasks, fair queues
        dispatch.enqueue_backfill(THIS_WORKER, installation_id, object_type=object_type, resume=True, **run)
    elif object_type in objects and objects.index(object_type) + 1 < len(objects):
        following = objects[objects.index(object_type) + 1]
        dispatch.enqueue_backfill(THIS_WORKER, installation_id, object_type=following, **run)
    return {"done": progress.done, "total": progress.total, "writes": report.writes}


@installation_task("leadq.retrain")
def retrain_task(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """Build a challenger; when it is promoted, re-score everything (only changed values are written)."""
    from workers.services.retrain import retrain

    outcome = retrain(_context(installation_id))
    if outcome.get("promoted"):
        _restart_backfill(installation_id)
    return outcome


@installation_task("leadq.decay")
def decay(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """The daily pass: engagement decays, so re-score everyone; only values that moved are written."""
    _restart_backfill(installation_id)
    return {}


def _restart_backfill(installation_id: int) -> None:
    """Re-score everyone from the start (the first people object, then the next): only values that
    moved are written."""
    with runtime().sessions.begin() as session:  # start the backfill over, not resume it
        cursors.restart_backfills(session, installation_id)
    dispatch.enqueue_backfill(THIS_WORKER, installation_id)


class ScheduledTask(LeadqTask):
    defer_transient = True  # beat runs it again soon, from the same mark


@installation_task("leadq.poll", base=ScheduledTask)
def poll(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """Salesforce change capture by polling; new changes go through the change handler at once."""
    from workers.services.poll import poll_changes

    ctx = _context(installation_id)
    found = poll_changes(ctx)
    report = handle_changes(ctx, window_s=0) if found.queued else None
    return {
        "seen": found.seen,
        "new": found.new,
        "echoes": found.echoes,
        "writes": report.writes if report else 0,
    }


@installation_task("leadq.reroute", base=ScheduledTask)
def reroute_task(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """SLA re-routing and redistribution of a deactivated rep's open leads (beat runs it)."""
    from workers.services.reroute import reroute_pass

    report = reroute_pass(_context(installation_id))
    return {"checked": report.checked, "rerouted": report.rerouted, "overridden": report.overridden}


@installation_task("leadq.outcomes", base=ScheduledTask)
def outcomes_task(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """The daily read of the CRM's won/lost outcomes into leadq's store (monitoring reads them)."""
    from workers.services.outcomes_refresh import refresh_outcomes

    return refresh_outcomes(_context(installation_id))


@installation_task("leadq.reconcile")
def reconcile_task(
    self: LeadqTask, installation_id: int, trigger: str = "scheduled", fix: bool = False
) -> dict[str, Any]:
    """The daily check that the CRM holds what leadq decided (results on the Sync page and in status);
    ``fix`` (the admin app's button): rewrite leadq's own fields that are wrong or missing, then check."""
    from workers.services.reconcile import reconcile

    ctx = _context(installation_id)
    if fix:
        reconcile(ctx, fix=True, trigger=trigger)
    result = reconcile(ctx, trigger=trigger)
    return {"checked": result.checked, **dict(result.counts)}


@installation_task("leadq.retry")
def retry_errors(self: LeadqTask, installation_id: int) -> dict[str, Any]:
    """The admin app's "Retry" button: failed records go through the sync path again."""
    from workers.services.retry import retry_dead_letters

    retried, failing = retry_dead_letters(_context(installation_id))
    return {"retried": retried, "failing": failing}


@shared_task(base=LeadqTask, name="leadq.schedule")
def schedule(kind: str) -> int:
    """Beat's entry point: fan a periodic job out to every active installation."""
    if kind == "watchdog":
        return watchdog()
    if kind == "keys":
        return len(recover_keys())
    if kind == "prune":
        from storage.retention import prune

        gone = prune(runtime().sessions, runtime().settings.retention_days)
        log.info("retention.pruned", extra={"events": gone.events, "scores": gone.scores})
        return gone.events + gone.scores + gone.routing_decisions
    if kind == "monitor":
        return monitor()
    enqueue = dispatch.SCHEDULED[kind]
    with runtime().sessions() as session:
        active = [
            i.id
            for i in installations.list_all(session)
            if i.status in installations.WORKING and (kind != "poll" or provider(i.crm_kind).polls)
        ]
    for installation_id in active:
        enqueue(THIS_WORKER, installation_id)
    return len(active)


def monitor() -> int:
    """Evaluate every working installation's alarms; a new drift alarm asks for its retrain early."""
    from workers.services.alarms import monitor_all

    done = monitor_all(
        runtime(),
        utc_now(),
        retrain=lambda installation_id: dispatch.enqueue_retrain(THIS_WORKER, installation_id),
    )
    return len(done)


def watchdog() -> int:
    """Requeue work whose task was lost (a broker that restarted without persistence, a task that
    failed for good): backfills that stopped moving, and change events still queued. Both resume
    from what the database holds, so nothing is repeated."""
    from workers.services.watchdog import requeue_stalled

    rt = runtime()
    recover_keys()  # first: a recovered installation's stalled backfill is found just below
    return requeue_stalled(
        rt.sessions,
        rt.settings.stall_after_s,
        rt.redis,
        rt.settings.worker_lost_after_s,
        backfill=lambda item: dispatch.enqueue_backfill(
            THIS_WORKER,
            item.installation_id,
            object_type=item.object_type,
            dry_run=item.dry_run,
            pending=item.pending,
            resume=True,
        ),
        changes=lambda installation_id: dispatch.enqueue_changes(THIS_WORKER, installation_id),
    )


def recover_keys() -> list[int]:
    """Installations a worker with other keys marked ``cannot_decrypt`` whose tokens this worker's keys
    open: the mark is cleared and their kept changes are handed to a task (the watchdog and a worker
    starting run this; a task for the installation does it too)."""
    recovered = key_check.recover_all(runtime())
    for installation_id in recovered:
        dispatch.enqueue_changes(THIS_WORKER, installation_id)
    return recovered


TASKS: dict[str, LeadqTask] = {
    t.name: t
    for t in (process_changes, backfill, retrain_task, decay, poll, reroute_task, outcomes_task)
    + (reconcile_task, retry_errors, schedule)
}


@worker_ready.connect
def _recover_keys_on_start(sender: Any = None, **_: Any) -> None:
    """A worker restarted with the right LEADQ_ENCRYPTION_KEYS picks up what a wrong-key worker
    marked at once, not at the next watchdog run. Runs in the worker's main process, before any
    task: its database engine is its own and disposed of (forked pool processes must not share it)."""
    settings = load_settings()
    rt = Runtime.from_settings(settings)
    try:
        for installation_id in key_check.recover_all(rt):
            dispatch.enqueue_changes(THIS_WORKER, installation_id)
    except Exception as exc:  # noqa: BLE001 - never keep a worker from starting: the watchdog tries again
        log.warning("worker.keys-check-failed", extra={"error": type(exc).__name__})
    finally:
        rt.sessions.kw["bind"].dispose()
        rt.redis.close()
