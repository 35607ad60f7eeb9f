"""``leadq demo``: the whole product against the sandbox CRM, with one command.

Starts the seeded sandbox (HubSpot side), leadq's web app on a free port and a real Celery worker;
installs leadq through the real OAuth flow; trains on the CRM's closed deals; backfills (score,
route, write back); prints a summary; then serves the admin app until Ctrl-C (or exits, with
``--no-serve``). Everything lives in ``<data dir>/demo`` and Redis database 13, both reset per run.
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

from leadq.settings import Settings, load_settings
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


def _settings(base: Settings, public: str, crm: Any, data_dir: Path) -> Settings:
    from leadq.storage.vault import Vault

    return load_settings(
        env="development",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'demo.db'}",
        redis_url=_redis_url(base),
        public_base_url=public,
        secret_key=secrets.token_urlsafe(32),
        encryption_keys=Vault.generate_key(),
        hubspot_client_id=crm.client_id,
        hubspot_client_secret=crm.client_secret,
        hubspot_app_id=str(crm.app_id),
        hubspot_developer_api_key=crm.developer_api_key,
        hubspot_api_base=crm.base_url,
        hubspot_auth_base=crm.base_url,
        log_level="WARNING",
    )


def start(records: int, seed: int, echo: Echo) -> Demo:
    from werkzeug.serving import make_server

    from leadq.app import create_app
    from leadq.storage.db import make_engine
    from leadq.storage.migrate import upgrade
    from sandbox.server import create_sandbox, serve

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
    echo(f"seeding the sandbox CRM with {records:,} contacts ...")
    crm = serve(create_sandbox(seed=seed, records=records), deliver_webhooks=True)
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{server.server_port}"
    settings = _settings(base, url, crm, data_dir)
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
    return Demo(settings, crm, url, server, worker, secrets.token_urlsafe(12), started)


def install(demo: Demo, echo: Echo) -> None:
    """Through the real OAuth flow: leadq's install link -> the CRM's consent -> leadq's callback."""
    import hubspot
    from hubspot.webhooks import SettingsChangeRequest, SubscriptionCreateRequest, ThrottlingSettings

    from leadq.storage import admins
    from leadq.storage.tables import Installation

    echo("installing leadq into the sandbox HubSpot account (OAuth) ...")
    web = requests.Session()
    start_page = web.get(f"{demo.url}/install/hubspot", allow_redirects=False, timeout=10)
    consent = web.get(start_page.headers["Location"], allow_redirects=False, timeout=10)
    done = web.get(consent.headers["Location"], allow_redirects=False, timeout=60)
    if done.status_code != 200:
        raise DemoError(f"the install failed ({done.status_code}): {done.text[:300]}")
    developer = hubspot.Client.create(api_key=demo.crm.developer_api_key, host=demo.crm.base_url)
    developer.webhooks.settings_api.configure(
        demo.crm.app_id,
        SettingsChangeRequest(
            target_url=f"{demo.url}/webhooks/hubspot",
            throttling=ThrottlingSettings(max_concurrent_requests=10),
        ),
    )
    for prop in ("jobtitle", "company", "numemployees", "hubspot_owner_id", "leadq_tier"):
        developer.webhooks.subscriptions_api.create(
            demo.crm.app_id,
            SubscriptionCreateRequest(event_type="contact.propertyChange", property_name=prop, active=True),
        )
    sessions = demo.server.app.extensions["leadq"].sessions
    with sessions.begin() as db:
        demo.installation_id = db.scalars(select(Installation)).one().id
        admin = admins.create(db, "demo", demo.admin_password)
        admins.grant(db, admin.id, demo.installation_id)


def _wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise DemoError(f"timed out waiting for {what}")


def train_and_backfill(demo: Demo, echo: Echo) -> None:
    from leadq.storage.tables import ModelVersion, SyncCursor

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
    echo("backfilling: score, route and write back every contact ...")

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
        row = rows.get("contact")
        if row is None:
            return False
        total = row.total or 0
        filled = int(30 * row.done / total) if total else 0
        accounts = rows.get("account")
        after = f"; companies {accounts.done:,}/{accounts.total or 0:,}" if accounts is not None else ""
        sys.stdout.write(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {row.done:,}/{total or '?':,}{after}")
        sys.stdout.flush()
        return accounts is not None and accounts.status == "done"  # people first, then their companies

    _wait(progress, 900, "the backfill")
    sys.stdout.write("\n")
    reconcile(demo, echo)


def reconcile(demo: Demo, echo: Echo) -> None:
    """Read every scored record back from the CRM and compare it with what leadq decided."""
    from leadq.storage.tables import ReconcileRun

    services = demo.server.app.extensions["leadq"]
    echo("reconciling: reading leadq's fields back from the CRM ...")
    services.celery.send_task("leadq.reconcile", args=[demo.installation_id, "demo"], queue="backfill")

    def finished() -> ReconcileRun | None:
        with services.sessions() as db:
            return db.scalars(
                select(ReconcileRun).where(ReconcileRun.installation_id == demo.installation_id)
            ).first()

    demo.reconciled = _wait(finished, 300, "the reconcile")


def summary(demo: Demo) -> list[str]:
    from leadq.storage.tables import LedgerEntry, ModelVersion, RoutingDecisionRow, ScoreRow

    sessions = demo.server.app.extensions["leadq"].sessions
    with sessions() as db:
        newest = (
            select(func.max(ScoreRow.id))
            .where(ScoreRow.installation_id == demo.installation_id)
            .group_by(ScoreRow.object_type, ScoreRow.record_id)
        )
        tiers = dict(
            db.execute(
                select(ScoreRow.tier, func.count())
                .where(ScoreRow.id.in_(newest), ScoreRow.object_type == "contact")
                .group_by(ScoreRow.tier)
            ).all()
        )
        companies = dict(
            db.execute(
                select(ScoreRow.tier, func.count())
                .where(ScoreRow.id.in_(newest), ScoreRow.object_type == "account")
                .group_by(ScoreRow.tier)
            ).all()
        )
        champion = db.scalars(
            select(ModelVersion).where(
                ModelVersion.installation_id == demo.installation_id, ModelVersion.status == "champion"
            )
        ).first()
        written = dict(
            db.execute(
                select(LedgerEntry.object_type, func.count(func.distinct(LedgerEntry.record_id))).group_by(
                    LedgerEntry.object_type
                )
            ).all()
        )
        routed = db.scalar(
            select(func.count())
            .select_from(RoutingDecisionRow)
            .where(RoutingDecisionRow.owner_id.is_not(None))
        )
    calls = demo.crm.requests.count(area="api") + demo.crm.requests.count(area="search")
    scored = sum(tiers.values())
    lines = [
        "",
        "leadq demo summary",
        f"  records scored:   {scored:,} contacts  ("
        + ", ".join(f"{t} {tiers.get(t, 0):,}" for t in ("L1", "L2", "L3", "L4"))
        + ")",
        f"  companies scored: {sum(companies.values()):,} from their people  ("
        + ", ".join(f"{t} {companies.get(t, 0):,}" for t in ("L1", "L2", "L3", "L4"))
        + ")",
        f"  written back:     {written.get('contact', 0):,} contacts and {written.get('account', 0):,} "
        f"companies (scores, tier, reasons); {routed:,} contacts routed to a rep",
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
        f"  CRM API calls:    {calls:,} (install, training reads, backfill reads and batched writes)",
        f"  time taken:       {time.perf_counter() - demo.started:.1f} s",
        f"  admin app:        {demo.url}/  (user 'demo', password '{demo.admin_password}')",
        f"  sandbox CRM:      {demo.crm.base_url}",
    ]
    if demo.reconciled is not None:
        from workers.services.reconcile import describe

        run = demo.reconciled
        lines += [f"  {line.strip()}" for line in describe(run.counts, run.checked)]
    return lines
