"""leadq's gunicorn deployment: ``gunicorn -c python:leadq.gunicorn_conf 'leadq.wsgi:app'``.

Threaded workers (``gthread``, with a read deadline: ``leadq.gunicorn_worker``): a client that is slow
to send its request holds one thread, not a whole worker process, and only until
``LEADQ_REQUEST_READ_TIMEOUT_S`` (default 10 s) has passed since its first bytes: then a slow body gets
408 and slow headers a closed connection (``leadq.body_deadline``). With gunicorn's default sync
workers, as many slow clients as there are workers stop every webhook and admin request until
gunicorn kills the workers (30 s), and an attacker can repeat that for ever (security review, F5).

Every value can be overridden on the command line (``--workers 9``) or with ``GUNICORN_CMD_ARGS``;
``LEADQ_WEB_WORKERS``, ``LEADQ_WEB_THREADS`` and ``LEADQ_WEB_BIND`` set the sizes and the address.
Behind a proxy that buffers whole requests (nginx: ``proxy_request_buffering on``, its default) slow
clients never reach gunicorn at all: docs/security/broker.md has the configuration.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from core.settings import load_settings
from leadq.body_deadline import BodyDeadline

worker_class = "leadq.gunicorn_worker.DeadlineThreadWorker"
workers = int(os.environ.get("LEADQ_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1))
# 15 threads: as many as one process's database pool (5 + 10 overflow), so no request waits for a
# connection; a thread waiting for a slow client holds none.
threads = int(os.environ.get("LEADQ_WEB_THREADS", 15))
worker_connections = 200  # kept-alive idle connections wait in the worker's poller, not in a thread
timeout = 30  # a worker whose main loop is stuck this long is restarted
graceful_timeout = 30
keepalive = 5
preload_app = True
bind = os.environ.get("LEADQ_WEB_BIND", "0.0.0.0:8000")
limit_request_line = 4094  # gunicorn's limits on the request line and the headers, kept
limit_request_fields = 100


def post_worker_init(worker: Any) -> None:
    """The deadline on reading each request, and every body read whole before leadq sees it."""
    settings = load_settings()
    worker.request_read_timeout_s = settings.request_read_timeout_s
    worker.wsgi = BodyDeadline(worker.wsgi, settings.request_read_timeout_s, settings.webhook_max_bytes)
