"""A scripted HubSpot over real HTTP for the Leads unit tests: the SDK speaks urllib3 (``responses``
patches ``requests`` only), so each test registers HubSpot's answers by method and path, and every
request is recorded with its query and JSON body for the shapes to be asserted."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connector.base import ClientConfig
from connector.hubspot.client import HubSpotCalls
from connector.hubspot.leads import HubSpotLeads
from connector.hubspot.limits import Budget, LocalLimiter

Answer = tuple[int, Any]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeHubSpot:
    base_url: str = ""
    routes: dict[tuple[str, str], list[Answer | Callable[[Request], Answer]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer | Callable[[Request], Answer]) -> None:
        """Answer ``method path`` with these, in turn (the last one repeats)."""
        self.routes[(method, path)] = list(answers)

    def sent(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def answer(self, request: Request) -> Answer:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.path))
        if not queue:
            return 404, {"status": "error", "message": f"no route {request.method} {request.path}"}
        chosen = queue.pop(0) if len(queue) > 1 else queue[0]
        return chosen(request) if callable(chosen) else chosen


def _handler(fake: FakeHubSpot) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, payload = fake.answer(Request(self.command, url.path, parse_qs(url.query), body))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server names them

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    fake = FakeHubSpot()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


class StaticTokens:
    def current(self) -> str:
        return "token"

    def after_unauthorized(self, rejected_token: str) -> str:
        raise AssertionError("the scripted HubSpot never refuses the token")


def calls_for(fake: FakeHubSpot) -> HubSpotCalls:
    return HubSpotCalls(
        ClientConfig(api_base=fake.base_url),
        StaticTokens(),
        LocalLimiter(),
        "42",
        Budget(1000, 1000),
        sleep=lambda s: None,
    )


@pytest.fixture
def leads(hubspot: FakeHubSpot) -> HubSpotLeads:
    return HubSpotLeads(calls_for(hubspot), "42", extra_properties=("leadq_tier",))
