"""A request must arrive whole (line, headers, body) within a deadline, or it is cut off.

A client that declares ``Content-Length: 100000`` and then sends a byte every two seconds holds
whichever worker thread reads its body; one that sends its headers a byte at a time holds the thread
that parses them. The deadline is one for the whole request (not per read: a byte every second would
reset a per-read timeout forever). When it passes, the socket's reading side is shut, the blocked read
returns at once and the thread is free again: a slow body gets 408, slow headers a closed connection.

``leadq.gunicorn_worker`` arms the deadline when a request's first bytes are there; this WSGI
middleware (installed by ``leadq.gunicorn_conf``) reads the whole body before the app sees the
request, then disarms it (without that worker it arms its own deadline for the body alone).

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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    pass


class ReadDeadline:
    """Shuts ``sock``'s reading side after ``timeout_s`` unless cancelled first."""

    def __init__(self, sock: socket.socket | None, timeout_s: float) -> None:
        self.sock, self.expired = sock, threading.Event()
        self._timer = threading.Timer(timeout_s, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.expired.set()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RD)  # a blocked read returns now, with no data

    def cancel(self) -> None:
        self._timer.cancel()


_armed = threading.local()  # the deadline of the request this thread is reading, if the worker armed one


@contextmanager
def request_deadline(sock: socket.socket, timeout_s: float) -> Iterator[ReadDeadline]:
    """Arm the deadline for the request about to be read on this thread (the worker does this)."""
    deadline = ReadDeadline(sock, timeout_s)
    _armed.deadline = deadline
    try:
        yield deadline
    finally:
        deadline.cancel()
        _armed.deadline = None


def _take_armed() -> ReadDeadline | None:
    deadline = getattr(_armed, "deadline", None)
    _armed.deadline = None
    return deadline


class BodyDeadline:
    """WSGI middleware: read the body within ``timeout_s`` (408), at most ``max_bytes`` (413)."""

    def __init__(self, app: WsgiApp, timeout_s: float, max_bytes: int) -> None:
        self.app, self.timeout_s, self.max_bytes = app, timeout_s, max_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        armed = _take_armed()  # line and headers are in: from here the body alone is timed
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
        declared = int(raw_length) if raw_length.isdigit() else None
        if (not chunked and not declared) or (declared is not None and declared > self.max_bytes):
            # No body (or a malformed length: the app decides), or one refused by its size unread.
            if armed is not None:
                armed.cancel()
            return self.app(environ, start_response)
        started = time.monotonic()
        deadline = armed or ReadDeadline(environ.get("gunicorn.socket"), self.timeout_s)
        try:
            body = self._read(environ["wsgi.input"], declared, deadline)
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

    def _read(self, stream: Any, declared: int | None, deadline: ReadDeadline) -> bytes | None:
        """The whole body, or None if it did not arrive in time (or the client went away)."""
        parts: list[bytes] = []
        size = 0
        try:
            while declared is None or size < declared:
                want = CHUNK if declared is None else min(CHUNK, declared - size)
                try:
                    data = stream.read(want)
                except Exception:  # noqa: BLE001 - a cut socket or a broken chunk: the body did not arrive
                    return None
                if not data or deadline.expired.is_set():
                    break
                parts.append(data)
                size += len(data)
                if size > self.max_bytes:
                    raise BodyTooLarge
        finally:
            deadline.cancel()
        if deadline.expired.is_set() or (declared is not None and size < declared):
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
