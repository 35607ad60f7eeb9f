"""The Celery application: RabbitMQ or Redis broker, late acknowledgement, one place for task defaults.

Built by ``make_celery(settings)`` (an entry point: it may read settings);
``celery -A workers.celery_app worker`` finds the module-level ``celery``
object, which is built lazily from the environment on first access.

Tasks are acknowledged after they ran. With RabbitMQ (``LEADQ_BROKER_URL=amqp://...``) the task of a
worker that died returns to its queue as soon as the worker's connection drops; with Redis only after
``LEADQ_BROKER_VISIBILITY_TIMEOUT_S``. Either way the watchdog requeues a backfill whose task's
heartbeat fell silent (``LEADQ_WORKER_LOST_AFTER_S``), and a worker that starts asks for one watchdog
pass once that time has gone by, so a killed and restarted worker picks its backfill up even where
beat is not running.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_ready

from core.settings import Settings, load_settings
from workers.dispatch import QUEUE_OF, enqueue_watchdog


def _transport_options(settings: Settings) -> dict[str, Any]:
    if settings.broker_is_redis:
        # A task whose worker died (acks_late) is redelivered after this timeout; the queues and the
        # broker's other keys live under LEADQ_REDIS_PREFIX, like every key leadq writes.
        options: dict[str, Any] = {"visibility_timeout": settings.broker_visibility_timeout_s}
        if settings.redis_prefix:
            options["global_keyprefix"] = settings.redis_prefix
        return options
    return {}  # RabbitMQ redelivers when the consumer's connection closes; no timeout to tune


def make_celery(settings: Settings) -> Celery:
    app = Celery("leadq", broker=settings.celery_broker_url)
    app.conf.update(
        task_acks_late=True,  # a task is acknowledged after it ran: a killed worker's task is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # no worker hoards tasks another could run now
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue="default",
        task_create_missing_queues=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        timezone="UTC",
        enable_utc=True,
        beat_schedule={
            # Einstein rebuilds about every 10 days; weekly keeps models fresh at low API cost.
            "retrain-weekly": {"task": "leadq.schedule", "schedule": 7 * 86_400.0, "args": ("retrain",)},
            "decay-daily": {"task": "leadq.schedule", "schedule": 86_400.0, "args": ("decay",)},
            "prune-daily": {"task": "leadq.schedule", "schedule": 86_400.0, "args": ("prune",)},
            # Proves every day that the CRM holds what leadq decided (leadq reconcile, scheduled).
            "reconcile-daily": {"task": "leadq.schedule", "schedule": 86_400.0, "args": ("reconcile",)},
            # The CRM's won/lost outcomes into leadq's store: monitoring reads them, never the CRM.
            "outcomes-daily": {"task": "leadq.schedule", "schedule": 86_400.0, "args": ("outcomes",)},
            # Work whose task was lost (broker restarted, task failed for good) is requeued.
            "watchdog": {
                "task": "leadq.schedule",
                "schedule": settings.watchdog_interval_s,
                "args": ("watchdog",),
            },
            # SLA re-routing and redistribution of deactivated reps' open leads.
            "reroute": {
                "task": "leadq.schedule",
                "schedule": settings.reroute_interval_s,
                "args": ("reroute",),
            },
            # Monitoring alarms: evaluated, kept, announced (docs/monitoring.md).
            "monitor": {
                "task": "leadq.schedule",
                "schedule": settings.monitor_interval_s,
                "args": ("monitor",),
            },
            # Salesforce change capture (outbound messages, where configured, are faster).
            "salesforce-poll": {
                "task": "leadq.schedule",
                "schedule": settings.salesforce_poll_interval_s,
                "args": ("poll",),
            },
        },
        imports=("workers.tasks",),
        task_routes={name: {"queue": queue} for name, queue in QUEUE_OF.items()},
    )
    app.conf.leadq_settings = settings
    return app


@worker_ready.connect
def _watchdog_after_start(sender: Any = None, **_: Any) -> None:
    """A worker that (re)starts after a crash finds the backfill its predecessor held: once the dead
    task's heartbeat has been silent long enough, one watchdog pass requeues it (beat's regular
    watchdog does the same; this covers a deployment where beat is late or not running)."""
    app = getattr(sender, "app", None)
    settings = getattr(getattr(app, "conf", None), "leadq_settings", None)
    if app is None or settings is None:
        return
    enqueue_watchdog(app, countdown=settings.worker_lost_after_s + 1)


def __getattr__(name: str) -> Any:
    # ``celery -A workers.celery_app`` looks up ``celery``; build it only then, so that
    # importing this module never reads the environment.
    if name == "celery":
        app = make_celery(load_settings())
        globals()["celery"] = app
        return app
    raise AttributeError(name)
