"""``leadq demo``: the whole product against the sandbox CRM, with one command.

Starts the seeded sandbox (its HubSpot side, or with ``--crm salesforce`` its Salesforce org),
leadq's web app on a free port and a real Celery worker; installs leadq through the real OAuth flow
and sets up change capture as the CRM's admin would; trains on the CRM's closed deals; backfills
(score, route, write back: people first, then their accounts); reconciles (reads leadq's fields
back from the CRM); prints a summary; then serves the admin app until Ctrl-C (or exits, with
``--no-serve``). Everything lives in ``<data dir>/demo`` and Redis database 13, both reset per run.
What differs per CRM is in ``leadq.demo_crms``.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
import requests
from sqlalchemy import func, select

from core.settings import Settings, load_settings
from leadq.demo_crms import CRMS, CaptureFailed, DemoCrm
from workers.launch import worker_command

DEMO_REDIS_DB = 13
Echo = Callable[[str], None]


class DemoError(RuntimeError):
    """The demo cannot run here; the message says what to start or fix."""


@dataclass
class Demo:
    settings: Settings
    crm: Any
    url: str
    server: Any
    worker: subprocess.Popen
    admin_password: str
    started: float
    side: DemoCrm = CRMS["hubspot"]
    installation_id: int = 0
    notes: list[str] = field(default_factory=list)
    reconciled: Any = None  # the ReconcileRun read back after the backfill

    def stop(self) -> None:
        self.worker.terminate()
        try:
            self.worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.worker.kill()
        self.server.shutdown()
        self.crm.stop()


def _redis_url(base: Settings) -> str:
    parts = urlsplit(base.redis_url)
    return f"{parts.scheme}://{parts.netloc}/{DEMO_REDIS_DB}"


def _settings(base: Settings, public: str, crm: Any, data_dir: Path, side: DemoCrm) -> Settings:
    from storage.vault import Vault

    return load_settings(
        env="development",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'demo.db'}",
        redis_url=_redis_url(base),
        public_base_url=public,
        secret_key=secrets.token_urlsafe(32),
        encryption_keys=Vault.generate_key(),
        log_level="WARNING",
        **side.settings(crm),
    )


def start(records: int, seed: int, echo: Echo, crm: str = "hubspot") -> Demo:
    from werkzeug.serving import make_server

    from leadq.app import create_app
    from sandbox.server import create_sandbox, serve
    from storage.db import make_engine
    from storage.migrate import upgrade

    side = CRMS.get(crm)
    if side is None:
        raise DemoError(f"the demo runs on {' or '.join(sorted(CRMS))}, not {crm!r}")
    base = load_settings()
    client = redis.Redis.from_url(_redis_url(base))
    try:
        client.ping()
    except redis.RedisError:
        raise DemoError(
            f"the demo needs Redis at {_redis_url(base)}: start it (`redis-server`) or set LEADQ_REDIS_URL"
        ) from None
    client.flushdb()
    data_dir = base.data_dir / "demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    started = time.perf_counter()
    echo(f"seeding the sandbox CRM with {side.seeding(records)} ...")
    sandbox = create_sandbox(seed=seed, records=records, **side.sandbox_options())
    running = serve(sandbox, https=side.https, tls_dir=data_dir / "tls", deliver_webhooks=True)
    # werkzeug wants the app up front, but the app needs the port first: it is set below.
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]  # werkzeug: app required
    url = f"http://127.0.0.1:{server.server_port}"
    settings = _settings(base, url, running, data_dir, side)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access line per webhook
    upgrade(make_engine(settings.sqlalchemy_url))
    server.app = create_app(settings)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    command = worker_command("changes,backfill,training,default", loglevel="ERROR")
    worker = subprocess.Popen(  # noqa: S603 - our own worker command
        command,
        env=dict(os.environ) | settings.to_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return Demo(settings, running, url, server, worker, secrets.token_urlsafe(12), started, side)


def install(demo: Demo, echo: Echo) -> None:
    """Through the real OAuth flow: leadq's install link -> the CRM's consent -> leadq's callback;
    then change capture, set up as the CRM's admin would."""
    from storage import admins
    from storage.tables import Installation

    side = demo.side
    echo(f"installing leadq into the sandbox {side.place} (OAuth) ...")
    web = side.http(demo.crm)
    try:
        consent_page = _redirect(web.get(f"{demo.url}/install/{side.key}", allow_redirects=False, timeout=10))
        callback = _redirect(web.get(consent_page, allow_redirects=False, timeout=10))
        done = web.get(callback, allow_redirects=False, timeout=120)
        if done.status_code != 200:
            raise DemoError(f"the install failed ({done.status_code}): {done.text[:300]}")
    except requests.RequestException as exc:
        raise DemoError(f"the install could not reach the sandbox or leadq: {exc}") from None
    try:
        side.capture_changes(demo.crm, demo.url, done.text)
    except CaptureFailed as exc:
        raise DemoError(f"setting up change capture in the sandbox {side.place} failed: {exc}") from None
    sessions = demo.server.app.extensions["leadq"].sessions
    with sessions.begin() as db:
        demo.installation_id = db.scalars(select(Installation)).one().id
        admin = admins.create(db, "demo", demo.admin_password)
        admins.grant(db, admin.id, demo.installation_id)


def _redirect(response: requests.Response) -> str:
    """Where an OAuth step sends the browser next; anything but a redirect ends the demo with why."""
    location = response.headers.get("Location")
    if response.status_code not in (301, 302, 303, 307) or not location:
        raise DemoError(
            f"the install stopped at {response.url} ({response.status_code}): {response.text[:300]}"
        )
    return location


def _wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise DemoError(f"timed out waiting for {what}")


def train_and_backfill(demo: Demo, echo: Echo) -> None:
    from storage.tables import ModelVersion, SyncCursor

    services = demo.server.app.extensions["leadq"]
    sessions, celery = services.sessions, services.celery
    echo("training on the CRM's closed deals (a worker task) ...")
    celery.send_task("leadq.retrain", args=[demo.installation_id], queue="training")

    def trained() -> ModelVersion | None:
        with sessions() as db:
            return db.scalars(
                select(ModelVersion).where(ModelVersion.installation_id == demo.installation_id)
            ).first()

    model = _wait(trained, 300, "the model")
    if model.status != "champion":
        demo.notes.append(f"model not promoted: {model.metrics.get('why') or model.status}")
        celery.send_task("leadq.backfill", args=[demo.installation_id, None, False], queue="backfill")
    side = demo.side
    echo(
        f"backfilling: score, route and write back all {side.people_words()}, then their {side.accounts} ..."
    )
    objects = [(obj, word) for obj, word in side.people] + [("account", side.accounts)]

    def progress() -> bool:
        with sessions() as db:
            rows = {
                r.object_type: r
                for r in db.scalars(
                    select(SyncCursor).where(
                        SyncCursor.installation_id == demo.installation_id, SyncCursor.name == "backfill"
                    )
                )
            }
        people = [rows[obj] for obj, _word in side.people if obj in rows]
        if not people:
            return False
        done, total = sum(r.done for r in people), sum(r.total or 0 for r in people)
        filled = min(30, int(30 * done / total)) if total else 0
        parts = []
        for index, (obj, word) in enumerate(objects):
            row = rows.get(obj)
            if row is None:
                continue
            name = "" if index == 0 and len(side.people) == 1 else f"{word} "
            parts.append(f"{name}{row.done:,}/{f'{row.total:,}' if row.total else '?'}")
        sys.stdout.write(f"\r  [{'#' * filled}{'.' * (30 - filled)}] " + "; ".join(parts))
        sys.stdout.flush()
        accounts = rows.get("account")
        return accounts is not None and accounts.status == "done"  # people first, then their accounts

    _wait(progress, 900, "the backfill")
    sys.stdout.write("\n")
    reconcile(demo, echo)


def reconcile(demo: Demo, echo: Echo) -> None:
    """Read every scored record back from the CRM and compare it with what leadq decided."""
    from storage.tables import ReconcileRun

    services = demo.server.app.extensions["leadq"]
    echo("reconciling: reading leadq's fields back from the CRM ...")
    services.celery.send_task("leadq.reconcile", args=[demo.installation_id, "demo"], queue="backfill")

    def finished() -> ReconcileRun | None:
        with services.sessions() as db:
            return db.scalars(
                select(ReconcileRun).where(ReconcileRun.installation_id == demo.installation_id)
            ).first()

    demo.reconciled = _wait(finished, 300, "the reconcile")


def _tiers(counts: dict[str, int]) -> str:
    return ", ".join(f"{t} {counts.get(t, 0):,}" for t in ("L1", "L2", "L3", "L4"))


def _listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def summary(demo: Demo) -> list[str]:
    from storage.tables import LedgerEntry, ModelVersion, RoutingDecisionRow, ScoreRow

    side = demo.side
    people = [obj for obj, _word in side.people]
    sessions = demo.server.app.extensions["leadq"].sessions
    with sessions() as db:
        newest = (
            select(func.max(ScoreRow.id))
            .where(ScoreRow.installation_id == demo.installation_id)
            .group_by(ScoreRow.object_type, ScoreRow.record_id)
        )
        scored_rows = db.execute(
            select(ScoreRow.object_type, ScoreRow.tier, func.count())
            .where(ScoreRow.id.in_(newest))
            .group_by(ScoreRow.object_type, ScoreRow.tier)
        ).all()
        champion = db.scalars(
            select(ModelVersion).where(
                ModelVersion.installation_id == demo.installation_id, ModelVersion.status == "champion"
            )
        ).first()
        written = dict(
            db.execute(
                select(LedgerEntry.object_type, func.count(func.distinct(LedgerEntry.record_id)))
                .where(LedgerEntry.installation_id == demo.installation_id)
                .group_by(LedgerEntry.object_type)
            ).all()
        )
        routed = db.scalar(
            select(func.count())
            .select_from(RoutingDecisionRow)
            .where(
                RoutingDecisionRow.installation_id == demo.installation_id,
                RoutingDecisionRow.owner_id.is_not(None),
            )
        )
    tiers: dict[str, int] = {}
    accounts: dict[str, int] = {}
    per_object: dict[str, int] = {}
    for object_type, tier, n in scored_rows:
        per_object[object_type] = per_object.get(object_type, 0) + n
        into = accounts if object_type == "account" else tiers if object_type in people else None
        if into is not None:
            into[tier] = into.get(tier, 0) + n
    calls = sum(demo.crm.requests.count(area=area) for area in side.api_areas)
    scored = _listed([f"{per_object.get(obj, 0):,} {word}" for obj, word in side.people])
    written_back = _listed(
        [f"{written.get(obj, 0):,} {word}" for obj, word in (*side.people, ("account", side.accounts))]
    )
    lines = [
        "",
        "leadq demo summary",
        f"  records scored:   {scored}  ({_tiers(tiers)})",
        f"  {side.accounts + ' scored:':<17} {sum(accounts.values()):,} from their {side.accounts_from}  "
        f"({_tiers(accounts)})",
        f"  written back:     {written_back} (scores, tier, reasons); "
        f"{routed:,} {side.people_words()} routed to a rep",
    ]
    if champion is not None:
        m = champion.metrics
        lines.append(
            f"  model:            {champion.version}: AUC {m.get('auc', 0):.3f} "
            f"vs. rules {m.get('rule_auc', 0):.3f} "
            f"on held-out closed deals ({m.get('n_train', '?')} train / {m.get('n_test', '?')} test)"
        )
    else:
        lines.append("  model:            none yet (ICP rules score): " + "; ".join(demo.notes))
    lines += [
        f"  CRM API calls:    {calls:,} (install, training reads, backfill reads and batched writes, "
        "reconcile reads)",
        f"  time taken:       {time.perf_counter() - demo.started:.1f} s",
        f"  admin app:        {demo.url}/  (user 'demo', password '{demo.admin_password}')",
        f"  sandbox CRM:      {demo.crm.base_url}",
    ]
    if demo.reconciled is not None:
        from workers.services.reconcile import describe

        run = demo.reconciled
        lines += [f"  {line.strip()}" for line in describe(run.counts, run.checked)]
    return lines
