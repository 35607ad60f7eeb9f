"""The real hubspot-api-client, pointed at the sandbox through its ``host`` setting."""

from __future__ import annotations

from typing import Any

import hubspot
import pytest

from sandbox.pytest_plugin import install


@pytest.fixture
def tokens(sandbox: Any) -> dict[str, Any]:
    return install(sandbox)


@pytest.fixture
def client(sandbox: Any, tokens: dict[str, Any]) -> hubspot.Client:
    return hubspot.Client.create(access_token=tokens["access_token"], host=sandbox.base_url)


class Receiver:
    """A real HTTP endpoint that records what it receives and fails on demand."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        self.fail_status = 503
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    failing = receiver.fail_next > 0
                    if failing:
                        receiver.fail_next -= 1
                    receiver.received.append(
                        {
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                            "path": self.path,
                            "answered": receiver.fail_status if failing else 204,
                        }
                    )
                self.send_response(receiver.fail_status if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/hubspot"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def events(self) -> list[dict[str, Any]]:
        import json

        return [e for r in self.received if r["answered"] == 204 for e in json.loads(r["body"])]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()
