"""What the security tests of the admin app share: a Celery stand-in that runs
``leadq.backfill`` in-process through the worker's own task code, with exactly the arguments the web
app sent (so a preview sent without ``pending`` really previews the live configuration)."""

from __future__ import annotations

from typing import Any

import pytest


class WorkerCelery:
    """``send_task`` records the task; ``leadq.backfill`` then runs at once, as a worker would run it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Any], str]] = []

    def send_task(self, name: str, args: list[Any], queue: str) -> None:
        from workers import tasks

        self.sent.append((name, list(args), queue))
        if name == "leadq.backfill":
            tasks.backfill.run(*args)


@pytest.fixture
def worker_celery(monkeypatch, runtime, client) -> WorkerCelery:
    from workers import tasks

    celery = WorkerCelery()
    monkeypatch.setattr(tasks, "runtime", lambda: runtime)
    # A task's continuations (next pages, then the companies) go through the same stand-in.
    monkeypatch.setattr(
        tasks.backfill,
        "apply_async",
        lambda args, queue, **_: celery.send_task("leadq.backfill", args, queue),
    )
    client.application.extensions["leadq"].__dict__["celery"] = celery
    return celery


class DeadBroker:
    """A real Celery app whose broker is a closed port: ``send_task`` raises kombu's OperationalError."""

    def __init__(self, settings: Any) -> None:
        from celery import Celery

        # Not the current app: the worker's shared tasks must keep resolving to leadq's own app.
        self.app = Celery("leadq-dead-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)

    def send_task(self, name: str, args: list[Any], queue: str) -> None:
        self.app.send_task(name, args=args, queue=queue)
