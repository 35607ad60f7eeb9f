"""Webhook load: the highest sustained rate of signed HubSpot deliveries leadq acknowledges with a
p99 under 100 ms, losing none.

    .venv/bin/python bench/webhook_load.py [--rates 50,100,200,400,800] [--seconds 10] [--workers 5]

leadq's web app runs under gunicorn (several worker processes) on PostgreSQL when it is reachable on
127.0.0.1:5432 (else SQLite), with a real Celery worker scoring behind it and the sandbox at
HubSpot's real rate limit. The load comes from a separate process on loopback (this script with
``--generate``): open-loop, each request one signed event with a unique content (so none is a
duplicate), for ``--seconds`` at each rate, stepping up until a step misses p99 < 100 ms, errs, or
cannot be sent at 95% of its rate. Afterwards every accepted event must be processed and every
record it named scored (zero lost). Needs Redis on 127.0.0.1:6379 (db 12, or
``LEADQ_BENCH_REDIS_URL``, is flushed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import emit, percentile
from bench.hubspot_setup import hubspot_settings, install

REDIS = os.environ.get("LEADQ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")  # flushed
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
P99_BUDGET_MS = 100.0


# --- the load generator (a separate process) ------------------------------------------------------


def generate(url: str, secret: str, portal: int, ids: list[int], rate: float, seconds: float) -> dict:
    """Send ``rate`` signed deliveries a second for ``seconds``; latencies from each actual send."""
    import requests

    from sandbox.hubspot.signing import sign_v3

    threads = max(4, min(64, int(rate / 12) + 4))
    interval = threads / rate
    latencies: list[float] = []
    errors: list[str] = []
    sent = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    end = start + seconds

    def run(index: int) -> None:
        session = requests.Session()
        rng = random.Random(index)
        due = start + index * interval / threads
        while due < end:
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            body = json.dumps(
                [
                    {
                        "eventId": rng.getrandbits(40),
                        "subscriptionId": 7,
                        "portalId": portal,
                        "appId": 1,
                        "occurredAt": int(time.time() * 1000),
                        "subscriptionType": "contact.propertyChange",
                        "attemptNumber": 0,
                        "objectId": rng.choice(ids),
                        "propertyName": "jobtitle",
                        "propertyValue": f"load {uuid.uuid4().hex[:12]}",
                        "changeSource": "CRM_UI",
                        "sourceId": "userId:9000001",
                    }
                ]
            ).encode()
            stamp = int(time.time() * 1000)
            headers = {
                "Content-Type": "application/json",
                "X-HubSpot-Signature-v3": sign_v3(secret, "POST", f"{url}/webhooks/hubspot", body, stamp),
                "X-HubSpot-Request-Timestamp": str(stamp),
            }
            began = time.perf_counter()
            try:
                answer = session.post(f"{url}/webhooks/hubspot", data=body, headers=headers, timeout=10)
                took = (time.perf_counter() - began) * 1000
                with lock:
                    sent[0] += 1
                    if answer.status_code == 200 and answer.json().get("accepted") == 1:
                        latencies.append(took)
                    else:
                        errors.append(f"{answer.status_code} {answer.text[:80]}")
            except requests.RequestException as exc:
                with lock:
                    sent[0] += 1
                    errors.append(type(exc).__name__)
            due += interval

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = max(time.perf_counter() - start, 1e-6)
    return {
        "target_rate": rate,
        "achieved_rate": round(sent[0] / min(elapsed, seconds + 5), 1),
        "sent": sent[0],
        "accepted": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:3],
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


# --- the orchestrator -----------------------------------------------------------------------------


def _database() -> tuple[str, str | None]:
    from sqlalchemy import create_engine, text

    name = f"leadq_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return POSTGRES.rsplit("/", 1)[0] + "/" + name, name
    except Exception:  # noqa: BLE001 - no PostgreSQL here: the embedded default
        return f"sqlite:///{tempfile.mkdtemp(prefix='leadq-load-')}/load.db", None


def _drop(name: str | None) -> None:
    if name is None:
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, timeout: float = 30.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def run(rates: list[float], seconds: float, web_workers: int) -> dict:
    import redis
    from sqlalchemy import func, select

    from leadq import live_stack
    from leadq.app import create_app
    from sandbox.server import create_sandbox, serve
    from storage.db import make_engine, make_session_factory
    from storage.migrate import upgrade
    from storage.tables import ProcessedEvent, ScoreRow

    crm = serve(create_sandbox(seed=94, records=2000))  # HubSpot's real limit: 110 calls per 10 s
    database_url, database_name = _database()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="leadq-load-"))
    settings = hubspot_settings(tmp, crm, url, REDIS, database_url)
    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    redis.Redis.from_url(REDIS).flushdb()
    install(create_app(settings).test_client(), crm)
    env = dict(os.environ) | settings.to_env()
    web = subprocess.Popen(  # noqa: S603 - gunicorn with fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:leadq.gunicorn_conf",  # the shipped deployment: threaded, with a read deadline
            "-w",
            str(web_workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "leadq.wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    worker = live_stack.start_worker(env, "changes", concurrency=2, loglevel="ERROR")
    steps: list[dict] = []
    try:
        _wait_http(url)
        ids = [int(r.id) for r in crm.sandbox.portals[crm.portal_id].live("contacts")]
        warm = [sys.executable, __file__, "--generate", url, crm.client_secret, str(crm.portal_id)]
        warm += [",".join(map(str, ids)), "40", "3"]
        warmed = subprocess.run(warm, capture_output=True, text=True, check=True, env=env)  # noqa: S603
        warmup = json.loads(warmed.stdout.strip().splitlines()[-1])
        print(f"  warm-up (not counted): {warmup['accepted']} deliveries", flush=True)
        for rate in rates:
            generator = subprocess.run(  # noqa: S603 - this script, as the separate load process
                [
                    sys.executable,
                    __file__,
                    "--generate",
                    url,
                    crm.client_secret,
                    str(crm.portal_id),
                    ",".join(map(str, ids)),
                    str(rate),
                    str(seconds),
                ],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            step = json.loads(generator.stdout.strip().splitlines()[-1])
            step["sustained"] = bool(
                step["errors"] == 0
                and step["p99_ms"] is not None
                and step["p99_ms"] < P99_BUDGET_MS
                and step["achieved_rate"] >= 0.95 * rate
            )
            steps.append(step)
            print(
                f"  {rate:>6.0f}/s target: {step['achieved_rate']:>7.1f}/s sent, "
                f"{step['accepted']:,} accepted, "
                f"{step['errors']} errors, ack p50 {step['p50_ms']} ms p99 {step['p99_ms']} ms "
                f"{'ok' if step['sustained'] else 'NOT sustained'}",
                flush=True,
            )
            if not step["sustained"]:
                break
        accepted = sum(s["accepted"] for s in steps) + warmup["accepted"]
        drained_at = time.monotonic()
        deadline = drained_at + 900
        while time.monotonic() < deadline:
            with sessions() as session:
                queued = session.scalar(
                    select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.status != "done")
                )
            if queued == 0:
                break
            time.sleep(1)
        with sessions() as session:
            recorded = session.scalar(select(func.count()).select_from(ProcessedEvent))
            done = session.scalar(
                select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.status == "done")
            )
            named = set(session.scalars(select(ProcessedEvent.record_id).distinct()))
            scored = set(session.scalars(select(ScoreRow.record_id).distinct()))
        lost = accepted - done
        unscored = len(named - scored)
        best = max((s for s in steps if s["sustained"]), key=lambda s: s["target_rate"], default=None)
        print(
            f"events accepted {accepted:,}, recorded {recorded:,}, processed {done:,} (drained in "
            f"{time.monotonic() - drained_at:.0f}s at HubSpot's rate limit); lost {lost}; records named "
            f"{len(named):,}, not scored {unscored}"
        )
        return {
            "web_workers": web_workers,
            "database": "postgresql" if database_name else "sqlite",
            "steps": steps,
            "highest_sustained_rate_per_s": best["target_rate"] if best else 0,
            "ack_p50_ms_at_highest": best["p50_ms"] if best else None,
            "ack_p99_ms_at_highest": best["p99_ms"] if best else None,
            "events_accepted": accepted,
            "events_processed": done,
            "events_lost": lost,
            "records_not_scored": unscored,
        }
    finally:
        for process in (web, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        crm.stop()
        engine.dispose()
        _drop(database_name)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--generate":
        url, secret, portal, ids, rate, seconds = sys.argv[2:8]
        result = generate(
            url, secret, int(portal), [int(i) for i in ids.split(",")], float(rate), float(seconds)
        )
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="50,100,200,400,800,1200")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn worker processes")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    print(f"webhook load: shipped gunicorn config, -w {args.workers}, {args.seconds:.0f} s per step")
    figures = run([float(r) for r in args.rates.split(",")], args.seconds, args.workers)
    print(
        f"highest sustained rate with p99 ack < {P99_BUDGET_MS:.0f} ms and nothing lost: "
        f"{figures['highest_sustained_rate_per_s']:.0f} deliveries/s "
        f"(p99 {figures['ack_p99_ms_at_highest']} ms)"
    )
    emit(args.json, {"webhook_load": figures})


if __name__ == "__main__":
    main()
