"""gunicorn's threaded worker with a deadline on reading each request (see ``leadq.body_deadline``).

gunicorn's ``gthread`` worker waits for a new connection's first bytes without holding a thread, but
once they are there a thread parses the request line and headers with blocking reads: a client that
sends its headers a byte at a time holds that thread for as long as it likes, and as many such
clients as there are threads stop the app (measured: 40 connections froze /healthz for 98 s, until
they stopped). This worker arms a deadline when it takes a request; the body middleware disarms it
once the body is in.
"""

from __future__ import annotations

from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from leadq.body_deadline import request_deadline

DEFAULT_TIMEOUT_S = 10.0


class DeadlineThreadWorker(ThreadWorker):
    """``worker_class = "leadq.gunicorn_worker.DeadlineThreadWorker"``: gthread, plus the deadline."""

    request_read_timeout_s: float = DEFAULT_TIMEOUT_S  # set by leadq.gunicorn_conf

    def handle(self, conn: Any) -> Any:
        with request_deadline(conn.sock, self.request_read_timeout_s):
            return super().handle(conn)
