"""gunicorn's threaded worker with a deadline on reading each request (see ``leadq.body_deadline``).

gunicorn's ``gthread`` worker waits for a new connection's first bytes without holding a thread, but
once they are there a thread parses the request line and headers with blocking reads: a client that
sends its headers a byte at a time holds that thread for as long as it likes, and as many such
clients as there are threads stop the app (measured: 40 connections froze /healthz for 98 s, until
they stopped). This worker arms a deadline when it takes a request; the body middleware disarms it
once the body is in.

A new connection does not get a thread until it has sent something: gunicorn 27 hands every accepted
connection to a pool thread, which then waits up to 5 s for the first byte, so a client that keeps
re-opening connections that never send anything keeps every thread waiting (measured: 100 such
connections, /healthz unanswered for 15 s). Here an accepted connection waits in the worker's
poller, like a kept-alive one, for at most ``FIRST_BYTE_TIMEOUT_S`` (5 s); only its first bytes bring it to a
thread. Idle connections then cost a file descriptor each, up to ``worker_connections`` per process;
beyond that only a proxy in front helps (docs/operations.md).
"""

from __future__ import annotations

import errno
import selectors
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from leadq.body_deadline import request_deadline

DEFAULT_TIMEOUT_S = 10.0
FIRST_BYTE_TIMEOUT_S = 5.0  # a new connection that sends nothing for this long is closed


class DeadlineThreadWorker(ThreadWorker):
    """``worker_class = "leadq.gunicorn_worker.DeadlineThreadWorker"``: gthread, plus the deadline."""

    request_read_timeout_s: float = DEFAULT_TIMEOUT_S  # set by leadq.gunicorn_conf

    def accept(self, listener: Any) -> None:
        """Accept, then wait in the poller (not in a thread) for the connection's first bytes."""
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())  # non-blocking
        conn.timeout = time.monotonic() + FIRST_BYTE_TIMEOUT_S  # murder_pending closes it then
        self.pending_conns.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def handle(self, conn: Any) -> Any:
        with request_deadline(conn.sock, self.request_read_timeout_s):
            return super().handle(conn)
