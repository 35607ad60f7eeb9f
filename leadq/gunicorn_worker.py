"""gunicorn's threaded worker with a deadline on reading each request (see ``leadq.body_deadline``).

gunicorn's ``gthread`` worker waits for a new connection's first bytes without holding a thread, but
once they are there a thread parses the request line and headers with blocking reads: a client that
sends its headers a byte at a time holds that thread for as long as it likes, and as many such
clients as there are threads stop the app (measured: 40 connections froze /healthz for 98 s, until
they stopped). This worker arms a deadline on each request; the body middleware disarms it once the
body is in.

The deadline runs from when the connection was queued for a thread, not from when a thread takes it:
otherwise slow clients queued behind other slow clients each get a whole fresh deadline, and a process
holding three threads' worth of them keeps a fast request waiting three deadlines (CI saw /healthz
wait 5 s behind 40 slow-header connections with a 3 s deadline). A request that waited in the queue
still gets ``MIN_AFTER_QUEUE_S`` to be read once it has a thread, so a well-behaved client queued
behind real load is not cut off.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from leadq.body_deadline import request_deadline

DEFAULT_TIMEOUT_S = 10.0
MIN_AFTER_QUEUE_S = 1.0


def remaining_s(timeout_s: float, queued_at: float | None, now: float) -> float:
    """What is left of a request's deadline when a thread takes it (never under the floor)."""
    if queued_at is None:
        return timeout_s
    return max(min(timeout_s, MIN_AFTER_QUEUE_S), timeout_s - (now - queued_at))


class DeadlineThreadWorker(ThreadWorker):
    """``worker_class = "leadq.gunicorn_worker.DeadlineThreadWorker"``: gthread, plus the deadline."""

    request_read_timeout_s: float = DEFAULT_TIMEOUT_S  # set by leadq.gunicorn_conf

    def enqueue_req(self, conn: Any) -> None:
        conn.leadq_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        timeout_s = remaining_s(
            self.request_read_timeout_s, getattr(conn, "leadq_queued_at", None), time.monotonic()
        )
        with request_deadline(conn.sock, timeout_s):
            return super().handle(conn)
