"""F5: slow request bodies must not freeze the web app.

The review opened as many slow connections as gunicorn had sync workers (POST /webhooks/hubspot,
``Content-Length: 100000``, then one byte every 2 s): every webhook and admin request stalled for
~30 s, until gunicorn killed the workers. These tests start the shipped deployment
(``gunicorn -c python:leadq.gunicorn_conf``, production settings) as a real process, open three times
as many slow connections as it has worker processes, and check what a client sees: /healthz and a
signed HubSpot delivery still answer within 2 s, and each slow body is cut off with 408 once
``LEADQ_REQUEST_READ_TIMEOUT_S`` has passed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from sandbox.hubspot.signing import sign_v3
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support.services import REDIS_URL, service_missing

WORKERS = 2
BODY_TIMEOUT_S = 3.0
CLIENT_SECRET = "f5-client-secret-0123456789abcdef"
FAST_S = 2.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Web:
    url: str
    process: subprocess.Popen
    log: Path


def start_web(tmp: Path, command: list[str], port: int, database_url: str) -> Web:
    """leadq under gunicorn, production settings, a migrated database of its own."""
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ) | {
        "LEADQ_ENV": "production",
        "LEADQ_SECRET_KEY": "f5-secret-key-" + "x" * 40,
        "LEADQ_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "LEADQ_DATA_DIR": str(tmp),
        "LEADQ_DATABASE_URL": database_url,
        "LEADQ_REDIS_URL": REDIS_URL,
        "LEADQ_PUBLIC_BASE_URL": url,
        "LEADQ_HUBSPOT_CLIENT_ID": "f5-client",
        "LEADQ_HUBSPOT_CLIENT_SECRET": CLIENT_SECRET,
        "LEADQ_HUBSPOT_APP_ID": "1",
        "LEADQ_LOG_LEVEL": "WARNING",
        "LEADQ_REQUEST_READ_TIMEOUT_S": str(BODY_TIMEOUT_S),
    }
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    log = tmp / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text()[-3000:]}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return Web(url, process, log)
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"gunicorn did not answer: {log.read_text()[-3000:]}")


def shipped_command(port: int) -> list[str]:
    """The documented deployment (docs/security/broker.md), sized down to two worker processes."""
    return [
        sys.executable, "-m", "gunicorn", "-c", "python:leadq.gunicorn_conf",
        "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "leadq.wsgi:app",
    ]  # fmt: skip


@dataclass
class SlowBody:
    """POST /webhooks/hubspot declaring 100,000 bytes, then one byte every ``every_s``."""

    url: str
    every_s: float = 0.5
    reply: bytes = b""
    sent: int = 0
    closed_after_s: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.sock.sendall(
            b"POST /webhooks/hubspot HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        )
        self.opened = time.monotonic()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        self.sock.settimeout(self.every_s)
        while not self._stop.is_set():
            try:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.reply += chunk
                if self._complete():
                    break
            except TimeoutError:
                pass
            except OSError:
                break
            try:
                self.sock.sendall(b" ")
                self.sent += 1
            except OSError:
                break
        self.closed_after_s = time.monotonic() - self.opened

    def _complete(self) -> bool:
        head, found, body = self.reply.partition(b"\r\n\r\n")
        if not found:
            return False
        lengths = [
            line.split(b":", 1)[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ]
        return len(body) >= (int(lengths[0]) if lengths else 0)

    def status(self) -> int | None:
        line = self.reply.split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) >= 2 and line[1].isdigit() else None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sock.close()


def signed_delivery(url: str) -> requests.Response:
    """A correctly signed HubSpot delivery (for a portal that never installed: 200, nothing queued)."""
    stamp = int(time.time() * 1000)
    event = {
        "eventId": 1, "subscriptionId": 1, "portalId": 99_000_555, "appId": 1, "occurredAt": stamp,
        "subscriptionType": "contact.propertyChange", "attemptNumber": 0, "objectId": 1,
        "propertyName": "jobtitle", "propertyValue": "CEO", "changeSource": "CRM_UI",
    }  # fmt: skip
    body = json.dumps([event]).encode()
    signature = sign_v3(CLIENT_SECRET, "POST", url + "/webhooks/hubspot", body, stamp)
    return requests.post(
        url + "/webhooks/hubspot",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": signature,
            "X-HubSpot-Request-Timestamp": str(stamp),
        },
        timeout=15,
    )


def timed(call) -> tuple[float, requests.Response | None]:
    started = time.monotonic()
    try:
        response = call()
    except requests.RequestException:
        response = None
    return time.monotonic() - started, response


@pytest.fixture
def shipped_web(tmp_path: Path, db_url: str) -> Iterator[Web]:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        service_missing("gunicorn", "not installed: pip install -e '.[prod]'")
    port = _free_port()
    web = start_web(tmp_path, shipped_command(port), port, db_url)
    yield web
    web.process.terminate()
    try:
        web.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        web.process.kill()
        web.process.wait(timeout=10)


def test_f5_slow_bodies_do_not_stop_healthz_or_signed_webhooks(shipped_web: Web) -> None:
    slow = [SlowBody(shipped_web.url) for _ in range(3 * WORKERS)]
    for connection in slow:
        connection.start()
    try:
        time.sleep(1.0)  # every slow body is being read by now
        for _ in range(3):
            took, health = timed(lambda: requests.get(shipped_web.url + "/healthz", timeout=15))
            assert health is not None and health.status_code == 200, shipped_web.log.read_text()[-2000:]
            assert took < FAST_S, f"/healthz took {took:.1f} s with slow bodies open"
            took, delivery = timed(lambda: signed_delivery(shipped_web.url))
            assert delivery is not None and delivery.status_code == 200, shipped_web.log.read_text()[-2000:]
            assert delivery.json()["unknown_portal"] == 1
            assert took < FAST_S, f"a signed webhook took {took:.1f} s with slow bodies open"
            time.sleep(0.3)
    finally:
        for connection in slow:
            connection.stop()


def test_f5_a_slow_body_is_cut_off_with_408_after_the_timeout(shipped_web: Web) -> None:
    slow = SlowBody(shipped_web.url, every_s=0.5)
    slow.start()
    try:
        deadline = time.monotonic() + BODY_TIMEOUT_S + 10
        while slow.status() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert slow.status() == 408, f"got {slow.reply[:200]!r}"
        assert b"did not arrive within 3 seconds" in slow.reply
        assert slow.closed_after_s is not None
        assert BODY_TIMEOUT_S - 0.5 <= slow.closed_after_s < BODY_TIMEOUT_S + 3
        assert slow.sent >= 2  # it kept sending: a per-read timeout alone would never have fired
    finally:
        slow.stop()
    took, health = timed(lambda: requests.get(shipped_web.url + "/healthz", timeout=15))
    assert health is not None and health.status_code == 200 and took < FAST_S


def test_f5_slow_headers_are_cut_off_and_do_not_stop_the_app(shipped_web: Web) -> None:
    """More connections than the deployment has threads (2 x 15), each sending its headers a byte at a
    time: plain gthread would hold every thread for as long as they keep dripping."""
    host, port = shipped_web.url.removeprefix("http://").split(":")
    closed: list[float] = []
    stop = threading.Event()

    def drip(sock: socket.socket, opened: float) -> None:
        sock.settimeout(0.5)
        while not stop.is_set():
            try:
                if not sock.recv(100):
                    break
            except TimeoutError:
                pass
            except OSError:
                break
            try:
                sock.sendall(b"a")
            except OSError:
                break
        closed.append(time.monotonic() - opened)

    sockets, threads = [], []
    for _ in range(40):
        sock = socket.create_connection((host, int(port)), timeout=30)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        threads.append(threading.Thread(target=drip, args=(sock, time.monotonic()), daemon=True))
        threads[-1].start()
        sockets.append(sock)
    try:
        time.sleep(1.0)
        took, health = timed(lambda: requests.get(shipped_web.url + "/healthz", timeout=30))
        assert health is not None and health.status_code == 200
        assert took < BODY_TIMEOUT_S + FAST_S, f"/healthz took {took:.1f} s with slow headers open"
        for thread in threads:
            thread.join(timeout=BODY_TIMEOUT_S + 5)
        assert len(closed) == 40, "every slow-header connection is closed by the server"
        # Each is cut one deadline after it gets a thread. gunicorn does not share the 40 evenly
        # between the two processes (either may accept most of them): with 15 threads each, one
        # process holding 31-40 of them serves them in three rounds of one deadline.
        assert max(closed) < 3 * BODY_TIMEOUT_S + 3
        took, health = timed(lambda: requests.get(shipped_web.url + "/healthz", timeout=15))
        assert health is not None and health.status_code == 200 and took < FAST_S
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


def test_f5_the_deadline_runs_from_the_queue_not_from_the_thread() -> None:
    """A request queued behind slow clients has only what is left of its deadline, down to a floor."""
    from leadq.gunicorn_worker import MIN_AFTER_QUEUE_S, remaining_s

    assert remaining_s(3.0, None, 100.0) == 3.0
    assert remaining_s(3.0, 100.0, 100.5) == pytest.approx(2.5)
    assert remaining_s(3.0, 100.0, 110.0) == MIN_AFTER_QUEUE_S
    assert remaining_s(0.5, 100.0, 110.0) == 0.5
