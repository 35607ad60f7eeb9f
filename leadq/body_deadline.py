"""A request body must arrive whole within a deadline, or the request ends with 408.

A client that declares ``Content-Length: 100000`` and then sends a byte every two seconds holds
whichever worker thread reads its body. Under gunicorn this WSGI middleware reads every body before
the app sees the request, with one deadline for the whole body (not per read: a byte every second
would reset a per-read timeout forever). When the deadline passes, the socket's reading side is shut,
the blocked read returns at once, and the client gets 408; the thread is free again.

The body is handed to the app as it was received (``wsgi.input`` holds it, ``CONTENT_LENGTH`` is its
size). A body over ``max_bytes`` is never buffered: a declared length over it goes to the app as it is
(which answers 413 without reading), a chunked body that grows over it is answered 413 here.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    pass


class BodyDeadline:
    """WSGI middleware: read the body within ``timeout_s`` (408), at most ``max_bytes`` (413)."""

    def __init__(self, app: WsgiApp, timeout_s: float, max_bytes: int) -> None:
        self.app, self.timeout_s, self.max_bytes = app, timeout_s, max_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
        declared = int(raw_length) if raw_length.isdigit() else None
        if not chunked and not declared:
            return self.app(environ, start_response)  # no body (or a malformed length: the app decides)
        if declared is not None and declared > self.max_bytes:
            return self.app(environ, start_response)  # refused by size before anything is read
        started = time.monotonic()
        try:
            body = self._read(environ, declared)
        except BodyTooLarge:
            return _answer(start_response, "413 Request Entity Too Large", "The request body is too large.")
        if body is None:
            log.warning(
                "web.body-timeout",
                extra={"path": environ.get("PATH_INFO", ""), "waited_s": round(time.monotonic() - started)},
            )
            return _answer(
                start_response,
                "408 Request Timeout",
                f"The request body did not arrive within {self.timeout_s:g} seconds.",
            )
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is now whole and sized
        return self.app(environ, start_response)

    def _read(self, environ: dict[str, Any], declared: int | None) -> bytes | None:
        """The whole body, or None if it did not arrive in time (or the client went away)."""
        stream = environ["wsgi.input"]
        expired = threading.Event()
        sock = environ.get("gunicorn.socket")

        def cut() -> None:
            expired.set()
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RD)  # the blocked read returns now, with no data

        timer = threading.Timer(self.timeout_s, cut)
        timer.daemon = True
        timer.start()
        parts: list[bytes] = []
        size = 0
        try:
            while declared is None or size < declared:
                want = CHUNK if declared is None else min(CHUNK, declared - size)
                try:
                    data = stream.read(want)
                except Exception:  # noqa: BLE001 - a cut socket or a broken chunk: the body did not arrive
                    return None
                if not data or expired.is_set():
                    break
                parts.append(data)
                size += len(data)
                if size > self.max_bytes:
                    raise BodyTooLarge
        finally:
            timer.cancel()
        if expired.is_set() or (declared is not None and size < declared):
            return None
        return b"".join(parts)


def _answer(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = (text + "\n").encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ],
    )
    return [body]
