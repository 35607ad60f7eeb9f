"""Handing work to the workers: one keyword function per task, the only place that names a task
and its queue.

Every function takes ``via``, what sends the message: the web app's or the CLI's Celery app, or
inside a worker the task layer's own sender (``workers.tasks.THIS_WORKER``). The messages keep the
positional form the tasks have always taken (trailing defaults left out), so messages already in a
queue and workers of the previous release read them unchanged.
"""

from __future__ import annotations

from typing import Any, Protocol

CHANGES, BACKFILL, TRAINING, DEFAULT = "changes", "backfill", "training", "default"
QUEUES = (CHANGES, BACKFILL, TRAINING, DEFAULT)
# The queue of every task (celery_app's routes are built from it).
QUEUE_OF = {
    "leadq.process_changes": CHANGES,
    "leadq.backfill": BACKFILL,
    "leadq.decay": BACKFILL,
    "leadq.retrain": TRAINING,
    "leadq.poll": CHANGES,
    "leadq.retry": CHANGES,
    "leadq.reconcile": BACKFILL,
    "leadq.reroute": CHANGES,
    "leadq.outcomes": BACKFILL,
    "leadq.schedule": DEFAULT,
}


class Sender(Protocol):
    def send_task(self, name: str, args: list[Any], queue: str, **options: Any) -> Any: ...


def _send(via: Sender, name: str, args: list[Any], **options: Any) -> None:
    via.send_task(name, args=args, queue=QUEUE_OF[name], **options)


def enqueue_changes(via: Sender, installation_id: int) -> None:
    """Wake the change handler of this installation: a doorbell, it handles every queued event of
    the installation. The empty list stands where event keys were once sent: a worker of the
    previous release still requires that argument."""
    _send(via, "leadq.process_changes", [installation_id, []])


def backfill_args(
    installation_id: int,
    *,
    object_type: str | None = None,
    dry_run: bool = False,
    pending: bool = False,
    resume: bool = False,
) -> list[Any]:
    """``leadq.backfill``'s positional arguments (``pending`` and ``resume`` only when set)."""
    args: list[Any] = [installation_id, object_type, dry_run, pending, resume]
    while len(args) > 3 and args[-1] is False:
        args.pop()
    return args


def enqueue_backfill(
    via: Sender,
    installation_id: int,
    *,
    object_type: str | None = None,
    dry_run: bool = False,
    pending: bool = False,
    resume: bool = False,
) -> None:
    """Backfill (or, ``dry_run``, preview) from ``object_type`` on (default: the first people object).
    ``pending``: preview the configuration saved but not approved. ``resume``: continue from the
    checkpoint, never start a finished backfill over."""
    args = backfill_args(
        installation_id, object_type=object_type, dry_run=dry_run, pending=pending, resume=resume
    )
    _send(via, "leadq.backfill", args)


def enqueue_retrain(via: Sender, installation_id: int) -> None:
    _send(via, "leadq.retrain", [installation_id])


def enqueue_retry(via: Sender, installation_id: int) -> None:
    """The dead letters of this installation go through the sync path again."""
    _send(via, "leadq.retry", [installation_id])


def enqueue_reconcile(
    via: Sender, installation_id: int, *, trigger: str = "scheduled", fix: bool = False
) -> None:
    """Check that the CRM holds what leadq decided; ``fix``: rewrite leadq's wrong or missing fields
    first. ``trigger`` names who asked (shown with the results)."""
    _send(via, "leadq.reconcile", [installation_id, trigger, fix])


def enqueue_decay(via: Sender, installation_id: int) -> None:
    _send(via, "leadq.decay", [installation_id])


def enqueue_poll(via: Sender, installation_id: int) -> None:
    _send(via, "leadq.poll", [installation_id])


def enqueue_reroute(via: Sender, installation_id: int) -> None:
    _send(via, "leadq.reroute", [installation_id])


def enqueue_outcomes(via: Sender, installation_id: int) -> None:
    """Read the CRM's won/lost outcomes into leadq's store (what monitoring reads)."""
    _send(via, "leadq.outcomes", [installation_id])


def enqueue_watchdog(via: Sender, *, countdown: float | None = None) -> None:
    """One watchdog pass (beat runs it on a schedule too), after ``countdown`` seconds if given."""
    _send(via, "leadq.schedule", ["watchdog"], **({} if countdown is None else {"countdown": countdown}))


# The per-installation jobs beat fans out to every working installation (``leadq.schedule``).
SCHEDULED = {
    "retrain": enqueue_retrain,
    "decay": enqueue_decay,
    "poll": enqueue_poll,
    "reconcile": enqueue_reconcile,
    "reroute": enqueue_reroute,
    "outcomes": enqueue_outcomes,
}
