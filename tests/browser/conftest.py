"""A real Chromium (Debian's, at /usr/bin/chromium; never a downloaded browser) driven by
Playwright against leadq served on a real port, with a real worker and the sandbox CRM.
Screenshots of failing tests land in ``var/test-artifacts/``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from core.settings import load_settings
from leadq import live_stack
from sandbox.server import create_sandbox, serve
from storage import admins
from tests.support import databases
from tests.support.admin import PASSWORD
from tests.support.services import REDIS_URL, service_missing
from tests.support.sync import start_worker, worker_env

CHROMIUM = os.environ.get("LEADQ_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
TOUR_ARTIFACTS = ARTIFACTS / "tour"  # the admin tour's screenshots, kept on success too
TOUR_RECORDS, TOUR_SEED = 2_000, 1  # what `make demo` seeds


@pytest.fixture(scope="session")
def chromium() -> Any:
    if not Path(CHROMIUM).exists():
        service_missing(
            "Chromium", f"not installed at {CHROMIUM}: Debian package 'chromium', .ci/run installs it"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{item.name}.png"
        try:
            page.screenshot(path=str(target), full_page=True)
            report.sections.append(("screenshot", str(target)))
        except Exception as exc:  # noqa: BLE001 - a screenshot must never hide the real failure
            report.sections.append(("screenshot", f"not taken: {exc}"))


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture
def live(sandbox_factory):
    return sandbox_factory(seed=88, records=300, deliver_webhooks=True)


def serve_with_worker(
    settings, engine, live, redis_client, sessions, queues: str, stop_wait_s: float = 15
) -> Iterator[str]:
    """leadq served on the sandbox ``live`` with admin 'alice' and a worker on ``queues``; yields the
    app's URL. ``stop_wait_s``: how long the worker may take to finish a task when stopped."""
    database = engine.url.render_as_string(hide_password=False)
    configured = live_stack.sandbox_settings(settings, live, database_url=database, redis_url=REDIS_URL)
    stack = live_stack.serve_app(configured)
    redis_client.delete("changes", "backfill", "training")
    with sessions.begin() as db:
        admins.create(db, "alice", PASSWORD)
    worker = start_worker(worker_env(stack.settings), queues)
    try:
        yield stack.url
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=stop_wait_s)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=15)
        stack.stop()


@pytest.fixture
def served(settings, engine, live, redis_client, sessions):
    yield from serve_with_worker(settings, engine, live, redis_client, sessions, "changes,backfill")


@contextmanager
def module_stack(
    directory: Path, template: str, queues: str, stop_wait_s: float = 15, **sandbox: Any
) -> Iterator[tuple[str, Any]]:
    """What ``served`` builds from the function-scoped fixtures (settings, a migrated database, a
    flushed Redis, a sandbox CRM with ``sandbox`` options, leadq served with admin 'alice' and a
    worker on ``queues``), built once for a module whose tests share it; yields (the app's URL, the
    running sandbox). No other test may use Redis while it runs: its tests use no ``redis_client``."""
    import redis

    from storage.db import make_engine, make_session_factory
    from storage.vault import Vault

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis", str(exc))
    settings = load_settings(
        env="test",
        data_dir=directory,
        encryption_keys=Vault.generate_key(),
        secret_key="test-secret-key-for-signing-only",
    )
    live = serve(create_sandbox(**sandbox), deliver_webhooks=True)
    client.flushdb()
    try:
        with databases.fresh_database(directory, template) as url:
            engine = make_engine(url)
            try:
                sessions = make_session_factory(engine)
                stack = serve_with_worker(settings, engine, live, client, sessions, queues, stop_wait_s)
                try:
                    yield next(stack), live
                finally:
                    stack.close()  # the worker stopped (given ``stop_wait_s``), then the app
            finally:
                engine.dispose()
    finally:
        live.stop()
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def tour_stack(tmp_path_factory) -> Iterator[tuple[Any, str]]:
    """The demo's own stack (``leadq.demo``: sandbox, app, worker, OAuth install, training, backfill
    of 2,000 contacts), once for a module; yields the run and its printed summary. Its data lives in
    a temporary directory, its Redis keys under a prefix of its own (removed when it stops)."""
    from leadq import demo as flow
    from storage.redis_namespace import reachable

    with pytest.MonkeyPatch.context() as env:
        env.setenv("LEADQ_DATA_DIR", str(tmp_path_factory.mktemp("tour")))
        env.setenv("LEADQ_REDIS_URL", REDIS_URL)
        env.delenv("LEADQ_DATABASE_URL", raising=False)
        if (why := reachable(REDIS_URL)) is not None:
            service_missing("Redis", why)
        lines: list[str] = []
        run = flow.start(TOUR_RECORDS, TOUR_SEED, lines.append)
        try:
            flow.install(run, lines.append)
            flow.train_and_backfill(run, lines.append)
            yield run, "\n".join(flow.summary(run))
        finally:
            run.stop()
