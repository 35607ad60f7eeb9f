"""The fault suite's stack: a HubSpot sandbox slow enough to interrupt, leadq installed into it, real
worker and beat processes, private Redis/RabbitMQ/PostgreSQL servers that a test may kill and
restart, and a backfill already under way for the test to break."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from leadq import live_stack
from leadq.app import create_app
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.tables import SyncCursor
from tests.faults.services import PrivatePostgres, PrivateRabbit, PrivateRedis, private_directory
from tests.support.hubspot import PUBLIC, Enqueued, install
from tests.support.sync import with_open_routing
from workers.celery_app import make_celery


def leadq_settings_for(
    base: Settings, database_url: str, redis_url: str, crm, broker_url: str | None = None
) -> Settings:
    return live_stack.sandbox_settings(
        base,
        crm,
        database_url=database_url,
        redis_url=redis_url,
        broker_url=broker_url,
        public_base_url=PUBLIC,
        hubspot_api_budget_per_10s=1000,
        stall_after_s=2.0,
    )


def install_leadq(settings: Settings, crm) -> tuple[int, sessionmaker[Session]]:
    engine = make_engine(settings.database_url or "")
    upgrade(engine)
    install(create_app(settings, enqueue=Enqueued()).test_client(), crm)
    sessions = make_session_factory(engine)
    return with_open_routing(sessions), sessions


def start_worker(settings: Settings, queues: str = "backfill,changes,default") -> subprocess.Popen[Any]:
    """A real worker; its log goes to ``<data_dir>/worker.log`` (shown when a test fails)."""
    return live_stack.start_worker(settings, queues, solo=True, output=settings.data_dir / "worker.log")


def start_beat(settings: Settings) -> subprocess.Popen[Any]:
    """A real beat (the watchdog every ``LEADQ_WATCHDOG_INTERVAL_S``); its log goes to the worker's."""
    command = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "beat", "-l", "WARNING"]
    log = open(settings.data_dir / "worker.log", "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [*command, "-s", str(settings.data_dir / "beat-schedule")],
        env=live_stack.worker_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def worker_log(settings: Settings, chars: int = 6000) -> str:
    path = settings.data_dir / "worker.log"
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no worker log)"


stop = live_stack.stop_process


def cursor(sessions: sessionmaker[Session], installation_id: int) -> SyncCursor | None:
    """The contacts' backfill cursor (the companies' pass follows it and has its own)."""
    try:
        with sessions() as session:
            return session.scalars(
                select(SyncCursor).where(
                    SyncCursor.installation_id == installation_id,
                    SyncCursor.name == "backfill",
                    SyncCursor.object_type == "contact",
                )
            ).one_or_none()
    except Exception:  # noqa: BLE001 - the database may be down on purpose
        return None


def wait_until(
    predicate: Callable[[], object], timeout: float = 60.0, every: Callable[[], None] | None = None
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if every is not None:
            every()
        time.sleep(0.1)
    return False


def writes_per_contact(crm) -> Counter[str]:
    return Counter(
        item["id"]
        for entry in crm.requests.entries(
            lambda e: e.path.endswith("/contacts/batch/update") and e.status == 200
        )
        for item in entry.body["inputs"]
    )


@dataclass
class Broker:
    """The Celery broker under test: ``url`` is None when it is the Redis of ``redis_url``."""

    kind: str
    url: str | None
    kill: Callable[[], None]
    start: Callable[[], None]


@dataclass
class Backfill:
    """A backfill of the sandbox's contacts under way: a real worker has written 300 of them."""

    settings: Settings
    installation_id: int
    sessions: sessionmaker[Session]
    worker: subprocess.Popen[Any]

    def cursor(self) -> SyncCursor | None:
        return cursor(self.sessions, self.installation_id)

    def log(self) -> str:
        return worker_log(self.settings)


# Fixtures (tests/faults/conftest.py, and the security tests that kill a broker) -------------------------


@pytest.fixture
def hubspot(sandbox_factory):
    running = sandbox_factory(seed=91, records=1500, rate_limit=10_000)
    running.sandbox.faults.update(latency_ms=20)  # slow enough to be interrupted mid-backfill
    return running


@pytest.fixture
def mid_backfill(hubspot) -> Iterator[Callable[[Settings], Backfill]]:
    """``mid_backfill(settings)``: install leadq with these settings, start a real worker, send the
    contacts' backfill and return once 300 contacts are done; the worker stops after the test."""
    workers: list[subprocess.Popen[Any]] = []

    def start(leadq: Settings) -> Backfill:
        installation_id, sessions = install_leadq(leadq, hubspot)
        workers.append(worker := start_worker(leadq))
        make_celery(leadq).send_task(
            "leadq.backfill", args=[installation_id, "contact", False], queue="backfill"
        )
        under_way = Backfill(leadq, installation_id, sessions, worker)
        assert wait_until(lambda: (c := under_way.cursor()) and c.done >= 300, 90), under_way.log()
        return under_way

    yield start
    for worker in workers:
        stop(worker)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    directory = private_directory()
    server = PrivateRedis(directory)
    server.start()
    yield server
    server.kill()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest, private_redis: PrivateRedis) -> Iterator[Broker]:
    """Each broker leadq supports, on a server of the test's own: Redis (the same server as locks and
    limits, as in a small install) and RabbitMQ (a node of its own; Redis stays for locks)."""
    if request.param == "redis":
        yield Broker("redis", None, private_redis.kill, private_redis.start)
        return
    directory = private_directory()
    node = PrivateRabbit(directory)
    node.start()
    yield Broker("rabbitmq", node.url, node.kill, node.start)
    node.kill()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    directory = private_directory()
    server = PrivatePostgres(directory)
    server.init()
    server.start()
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):  # already down
        server.stop("fast")
    shutil.rmtree(directory, ignore_errors=True)
