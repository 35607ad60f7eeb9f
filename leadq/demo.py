"""``leadq demo``: the whole product against the sandbox CRM, with one command.

Starts the seeded sandbox (its HubSpot side, or with ``--crm salesforce`` its Salesforce org),
leadq's web app on a free port and a real Celery worker; installs leadq through the real OAuth flow
and sets up change capture as the CRM's admin would; trains on the CRM's closed deals; backfills
(score, route, write back: people first, then their accounts); reconciles (reads leadq's fields
back from the CRM); checks the monitoring alarms once (``leadq.demo_alarms``); prints a summary;
then serves the admin app until Ctrl-C (or exits, with ``--no-serve``). Everything lives in
``<data dir>/demo``, reset per run, and in the configured Redis under a key prefix of the run's own
(its keys and its Celery queues): a demo shares Redis with anything else, the test suite included.
The run's keys outlive it, as its database does, so ``leadq status`` afterwards still reads what the
run left in Redis (when the alarms were last checked, the monitoring gauges); the next run removes
them when it resets ``<data dir>/demo``, and they expire after ``KEPT_FOR_S`` whatever happens. The
stack is ``leadq.live_stack``'s; what differs per CRM is in ``leadq.demo_crms``. The run's settings,
keys included, are written to ``<data dir>/demo/leadq.env`` (readable by its owner only): with
``LEADQ_ENV_FILE`` naming it, the CLI in a second terminal works on the demo while it serves. Every
step that can take more than a few seconds says so, and a wait says every ``STILL_EVERY_S`` seconds
that it is still waiting.
"""

from __future__ import annotations

import importlib
import logging
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

import requests

from core.settings import Settings, load_settings
from leadq import live_stack
from leadq.demo_alarms import alarms_lines, check_alarms
from leadq.demo_crms import CRMS, CaptureFailed, DemoCrm
from leadq.demo_where import stopped, where_to_look
from storage import demo_facts, installations, training_attempts
from storage.redis_namespace import clear_namespace, expire_namespace, reachable
from storage.statuses import CursorStatus, ModelStatus
from workers import dispatch
from workers.dispatch import QUEUES

Echo = Callable[[str], None]
ENV_FILE = "leadq.env"
STILL_EVERY_S = 10.0
KEPT_FOR_S = 30 * 86_400  # a run's Redis keys, left for the CLI, expire after this at the latest
DEMO_PREFIX = "leadq-demo-"  # every run's key prefix starts so; no other namespace is ever removed


class DemoError(RuntimeError):
    """The demo cannot run here; the message says what to start or fix."""


@dataclass
class Demo:
    settings: Settings
    crm: Any
    served: live_stack.ServedApp
    worker: subprocess.Popen[Any]
    admin_password: str
    started: float
    side: DemoCrm = CRMS["hubspot"]
    env_file: Path | None = None
    installation_id: int = 0
    notes: list[str] = field(default_factory=list)
    reconciled: Any = None  # the ReconcileRun read back after the backfill
    alarms: Any = None  # the one evaluation of the alarms at the end (leadq.demo_alarms)

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def services(self) -> Any:
        return self.served.app.extensions["leadq"]

    def stop(self) -> None:
        live_stack.stop_process(self.worker)
        self.served.stop()
        self.crm.stop()
        # Kept for the CLI on what the run left (`leadq status` says when the alarms were last checked);
        # the next run removes them (``_clear_previous_run``), or they expire.
        expire_namespace(self.settings.redis_url, self.settings.redis_prefix, KEPT_FOR_S)


def _clear_previous_run(env_file: Path) -> None:
    """Remove the Redis keys a previous run left under its prefix (named in its env file, about to be
    reset with the rest of ``<data dir>/demo``), so runs do not pile up keys in a shared Redis."""
    try:
        lines = env_file.read_text(encoding="utf-8").splitlines()
    except OSError:  # no previous run here (or its file is unreadable: its keys expire by themselves)
        return
    named = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    prefix = named.get("LEADQ_REDIS_PREFIX", "")
    if prefix.startswith(DEMO_PREFIX):
        default = Settings.model_fields["redis_url"].default  # the file names only what differs from it
        clear_namespace(named.get("LEADQ_REDIS_URL", default), prefix)


def _settings(base: Settings, running: Any, side: DemoCrm) -> Settings:
    """The demo's own: SQLite in ``<data dir>/demo``, fresh keys, Redis keys and queues under a prefix
    of this run's, pointed at the sandbox's side."""
    data_dir = base.data_dir.resolve() / "demo"  # absolute: the env file is read from anywhere
    own = live_stack.local_settings(
        data_dir,
        base.redis_url,
        env="development",
        database_url=f"sqlite:///{data_dir / 'demo.db'}",
        redis_prefix=f"{DEMO_PREFIX}{secrets.token_hex(6)}:",
    )
    return live_stack.sandbox_settings(own, running, crm=side.key)


def start(records: int, seed: int, echo: Echo, crm: str = "hubspot") -> Demo:
    from sandbox.server import create_sandbox, serve

    side = CRMS.get(crm)
    if side is None:
        raise DemoError(f"the demo runs on {' or '.join(sorted(CRMS))}, not {crm!r}")
    base = load_settings(with_env_file=False)  # LEADQ_ENV_FILE may name a previous demo's settings
    if reachable(base.redis_url) is not None:
        raise DemoError(
            f"the demo needs Redis at {base.redis_url}: start it (`redis-server`) or set LEADQ_REDIS_URL"
        )
    data_dir = base.data_dir.resolve() / "demo"
    _clear_previous_run(data_dir / ENV_FILE)
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    started = time.perf_counter()
    echo(f"seeding the sandbox CRM with {side.seeding(records)} ...")
    # The summary words the reconcile with workers.services.reconcile, which brings scikit-learn: many
    # seconds to import on a busy machine. Imported meanwhile, so the summary does not wait for it.
    warm = threading.Thread(target=importlib.import_module, args=("workers.services.reconcile",), daemon=True)
    warm.start()
    sandbox = create_sandbox(seed=seed, records=records, **side.sandbox_options())
    running = serve(sandbox, https=side.https, tls_dir=data_dir / "tls", deliver_webhooks=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access line per webhook
    echo("starting leadq: its database, its web app and a worker ...")
    served = live_stack.serve_app(live_stack.migrated(_settings(base, running, side)))
    worker = live_stack.start_worker(served.settings, QUEUES, loglevel="ERROR")
    env_file = live_stack.write_env_file(
        served.settings,
        data_dir / ENV_FILE,
        "leadq's settings for the demo (`make demo`), its keys included: keep this file private.\n"
        f"In a shell: export LEADQ_ENV_FILE={data_dir / ENV_FILE}; then `leadq status` works on the demo.",
    )
    demo = Demo(served.settings, running, served, worker, secrets.token_urlsafe(12), started, side)
    demo.env_file = env_file
    return demo


def install(demo: Demo, echo: Echo) -> None:
    """Through the real OAuth flow: leadq's install link -> the CRM's consent -> leadq's callback;
    then change capture, set up as the CRM's admin would."""
    from storage import admins

    side = demo.side
    echo(f"installing leadq into the sandbox {side.place} (OAuth) ...")
    try:
        done = live_stack.install_via_oauth(demo.url, demo.crm, side.key)
    except live_stack.InstallFailed as exc:
        raise DemoError(str(exc)) from None
    except requests.RequestException as exc:
        raise DemoError(f"the install could not reach the sandbox or leadq: {exc}") from None
    if done.status_code != 200:
        raise DemoError(f"the install failed ({done.status_code}): {done.text[:300]}")
    try:
        side.capture_changes(demo.crm, demo.url, done.text)
    except CaptureFailed as exc:
        raise DemoError(f"setting up change capture in the sandbox {side.place} failed: {exc}") from None
    with demo.services.sessions.begin() as db:
        [installation] = installations.list_all(db)
        demo.installation_id = installation.id
        admin = admins.create(db, "demo", demo.admin_password)
        admins.grant(db, admin.id, demo.installation_id)


def _wait(predicate: Callable[[], Any], timeout: float, what: str, echo: Echo | None = None) -> Any:
    """``predicate()``'s first true value; every ``STILL_EVERY_S`` seconds, ``echo`` says it still waits."""
    began = time.monotonic()
    said = began
    while time.monotonic() < began + timeout:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
        if echo is not None and time.monotonic() - said >= STILL_EVERY_S:
            said = time.monotonic()
            echo(f"  ... still waiting for {what} ({said - began:.0f} s)")
    raise DemoError(f"timed out waiting for {what}")


class _Bar:
    """The backfill's progress: redrawn in place on a terminal; elsewhere (a log, a pipe) one line
    every ``PLAIN_EVERY_S`` seconds and the last one, so a log holds readable lines."""

    PLAIN_EVERY_S = 5.0

    def __init__(self) -> None:
        self.terminal = sys.stdout.isatty()
        self.began = self.last = time.monotonic()
        self.drawn = False

    def __call__(self, text: str, final: bool = False) -> None:
        now = time.monotonic()
        if self.terminal:
            sys.stdout.write(f"\r{text}\x1b[K")
            self.drawn = True
        elif final or now - self.last >= self.PLAIN_EVERY_S:
            sys.stdout.write(f"{text}  ({now - self.began:.0f} s)\n")
            self.last = now
        sys.stdout.flush()

    def close(self) -> None:
        if self.drawn:
            sys.stdout.write("\n")
            sys.stdout.flush()


def _read(demo: Demo, query: Callable[..., Any]) -> Any:
    """One read of the demo's own facts (``storage.demo_facts``) for its installation."""
    with demo.services.sessions() as db:
        return query(db, demo.installation_id)


def _trained_or_gave_up(demo: Demo) -> Any:
    """The first model, or the training attempt that trained none (and why), or None while it runs."""
    model = _read(demo, demo_facts.first_model)
    if model is not None:
        return model
    attempt = training_attempts.latest(demo.services.redis, demo.installation_id)
    return attempt if attempt is not None and not attempt.trained else None


def train_and_backfill(demo: Demo, echo: Echo) -> None:
    celery = demo.services.celery
    echo("training on the CRM's closed deals (a worker task) ...")
    dispatch.enqueue_retrain(celery, demo.installation_id)
    outcome = _wait(lambda: _trained_or_gave_up(demo), 300, "the model", echo)
    if isinstance(outcome, training_attempts.TrainingAttempt):  # too few outcomes: the rules score
        demo.notes.append(f"no model trained: {outcome.why}")
        dispatch.enqueue_backfill(celery, demo.installation_id)
    elif outcome.status != ModelStatus.CHAMPION:
        demo.notes.append(f"model not promoted: {outcome.metrics.get('why') or outcome.status}")
        dispatch.enqueue_backfill(celery, demo.installation_id)
    side = demo.side
    echo(
        f"backfilling: score, route and write back all {side.people_words()}, then their {side.accounts} ..."
    )
    objects = [(obj, word) for obj, word in side.people] + [("account", side.accounts)]
    show = _Bar()

    def progress() -> bool:
        rows = _read(demo, demo_facts.backfill_cursors)
        people = [rows[obj] for obj, _word in side.people if obj in rows]
        if not people:
            show("  waiting for the backfill to start")
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
        accounts = rows.get("account")
        finished = accounts is not None and accounts.status == CursorStatus.DONE  # people, then accounts
        show(f"  [{'#' * filled}{'.' * (30 - filled)}] " + "; ".join(parts), final=finished)
        return finished

    _wait(progress, 900, "the backfill")
    show.close()
    reconcile(demo, echo)
    check_alarms(demo, echo)


def reconcile(demo: Demo, echo: Echo) -> None:
    """Read every scored record back from the CRM and compare it with what leadq decided."""
    echo("reconciling: reading leadq's fields back from the CRM ...")
    dispatch.enqueue_reconcile(demo.services.celery, demo.installation_id, trigger="demo")
    demo.reconciled = _wait(lambda: _read(demo, demo_facts.first_reconcile), 300, "the reconcile", echo)


def _tiers(counts: dict[str, int]) -> str:
    return ", ".join(f"{t} {counts.get(t, 0):,}" for t in ("L1", "L2", "L3", "L4"))


def _listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def _tally(demo: Demo, outcome: demo_facts.Outcome) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """The newest scores counted by tier for the people and for the accounts, and per object type."""
    people = [obj for obj, _word in demo.side.people]
    tiers: dict[str, int] = {}
    accounts: dict[str, int] = {}
    per_object: dict[str, int] = {}
    for object_type, tier, n in outcome.scored:
        per_object[object_type] = per_object.get(object_type, 0) + n
        into = accounts if object_type == "account" else tiers if object_type in people else None
        if into is not None:
            into[tier] = into.get(tier, 0) + n
    return tiers, accounts, per_object


def _leads_line(outcome: demo_facts.Outcome) -> list[str]:
    """HubSpot's Leads records, where the portal has them: scored with their contacts."""
    tiers: dict[str, int] = {}
    for object_type, tier, n in outcome.scored:
        if object_type == "pipeline_lead":
            tiers[tier] = tiers.get(tier, 0) + n
    if not tiers:
        return []
    written = outcome.written.get("pipeline_lead", 0)
    return [
        f"  Leads records:    {sum(tiers.values()):,} open ones scored with their contacts "
        f"({_tiers(tiers)}), {written:,} written (label from the tier unless a rep set one)"
    ]


def _model_line(demo: Demo) -> str:
    from storage import models_registry

    champion = _read(demo, models_registry.champion)
    if champion is None:
        return "  model:            none yet (ICP rules score): " + "; ".join(demo.notes)
    m = champion.metrics
    return (
        f"  model:            {champion.version}: AUC {m.get('auc', 0):.3f} "
        f"vs. rules {m.get('rule_auc', 0):.3f} "
        f"on held-out closed deals ({m.get('n_train', '?')} train / {m.get('n_test', '?')} test)"
    )


def summary(demo: Demo, serving: bool = True) -> list[str]:
    """The run in a few lines; ``serving``: the admin app, the worker and the sandbox keep running
    after it (their URLs, a record as a rep sees it and the CLI are shown), else they stop."""
    side = demo.side
    outcome = _read(demo, demo_facts.outcome)
    tiers, accounts, per_object = _tally(demo, outcome)
    calls = sum(demo.crm.requests.count(area=area) for area in side.api_areas)
    scored = _listed([f"{per_object.get(obj, 0):,} {word}" for obj, word in side.people])
    written_back = _listed(
        [
            f"{outcome.written.get(obj, 0):,} {word}"
            for obj, word in (*side.people, ("account", side.accounts))
        ]
    )
    lines = [
        "",
        "leadq demo summary",
        f"  records scored:   {scored}  ({_tiers(tiers)})",
        f"  {side.accounts + ' scored:':<17} {sum(accounts.values()):,} from their {side.accounts_from}  "
        f"({_tiers(accounts)})",
        f"  written back:     {written_back} (scores, tier, reasons); "
        f"{outcome.routed:,} {side.people_words()} routed to a rep",
        *_leads_line(outcome),
        _model_line(demo),
        *alarms_lines(demo, serving),
        f"  CRM API calls:    {calls:,} (install, training reads, backfill reads and batched writes, "
        "reconcile reads)",
        f"  time taken:       {time.perf_counter() - demo.started:.1f} s",
        *(where_to_look(demo) if serving else stopped(demo)),
    ]
    if demo.reconciled is not None:
        from workers.services.reconcile import describe

        run = demo.reconciled
        lines += [f"  {line.strip()}" for line in describe(run.counts, run.checked)]
    return lines
