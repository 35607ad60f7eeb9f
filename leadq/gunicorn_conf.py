"""leadq's gunicorn deployment: ``gunicorn -c python:leadq.gunicorn_conf 'leadq.wsgi:app'``.

Threaded workers (``gthread``): a connection that is slow to send its body holds one thread, not a
whole worker process, and ``leadq.body_deadline`` frees that thread after ``LEADQ_BODY_READ_TIMEOUT_S``
(default 10 s) with a 408. Sync workers (gunicorn's default) let as many slow clients as there are
workers stop every webhook and admin request until gunicorn kills the workers (30 s), which an
attacker can repeat for ever (security review, finding F5).

Every value can be overridden on the command line (``--workers 9``) or with ``GUNICORN_CMD_ARGS``;
``LEADQ_WEB_WORKERS`` and ``LEADQ_WEB_THREADS`` set the two sizes. Behind a proxy that buffers whole
requests (nginx's default ``proxy_request_buffering on``) slow clients never reach gunicorn at all:
see docs/security/broker.md.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from leadq.body_deadline import BodyDeadline
from leadq.settings import load_settings

worker_class = "gthread"
workers = int(os.environ.get("LEADQ_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("LEADQ_WEB_THREADS", 8))
# More connections per worker than threads: the idle keep-alive ones wait in the worker's poller.
worker_connections = 200
timeout = 30  # a worker whose main loop is stuck this long is restarted
graceful_timeout = 30
keepalive = 5
preload_app = True
bind = os.environ.get("LEADQ_WEB_BIND", "0.0.0.0:8000")
# Request line and headers: gunicorn's limits (4094 bytes per line, 100 headers) are kept.
limit_request_line = 4094
limit_request_fields = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: Any) -> None:
    """Every request body is read whole, within the deadline, before leadq sees the request."""
    settings = load_settings()
    worker.wsgi = BodyDeadline(worker.wsgi, settings.body_read_timeout_s, settings.webhook_max_bytes)
