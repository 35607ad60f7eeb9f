"""How many tasks wait in each queue of the Celery broker: read from the broker itself.

The broker is ``celery_broker_url`` (``LEADQ_BROKER_URL``, else ``LEADQ_REDIS_URL``), which need not
be the Redis that holds locks and limits. A Redis broker keeps each queue as a list (plus one list
per priority step); an AMQP broker (RabbitMQ) reports a queue's ready messages in the answer to a
passive ``queue.declare``. Any failure to reach the broker raises ``BrokerUnreachable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from kombu import Connection

from storage.redis_lists import list_lengths

REDIS_SCHEMES = ("redis", "rediss", "unix")
AMQP_SCHEMES = ("amqp", "amqps", "pyamqp")
# kombu's Redis transport keeps priorities 1..9 in lists named "<queue>\x06\x16<step>".
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)
NOT_FOUND = 404


class BrokerUnreachable(RuntimeError):
    """The broker did not answer (down, refused, timed out) or its kind is not supported."""


def queue_lengths(
    url: str, queues: Sequence[str], timeout_s: float = 2.0, *, prefix: str = ""
) -> dict[str, int]:
    """Tasks waiting in each queue; a queue the broker does not know yet holds 0. ``prefix`` is
    ``LEADQ_REDIS_PREFIX``: a Redis broker keeps every list of a prefixed stack under it."""
    scheme = urlsplit(url).scheme.lower()
    try:
        if scheme in REDIS_SCHEMES:
            return _redis_lengths(url, queues, timeout_s, prefix)
        if scheme in AMQP_SCHEMES:
            return _amqp_lengths(url, queues, timeout_s)
    except BrokerUnreachable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to ask the broker means it is not up
        raise BrokerUnreachable(type(exc).__name__) from None  # never the URL: it may hold a password
    raise BrokerUnreachable(f"unsupported broker scheme {scheme!r}")


def _redis_lengths(url: str, queues: Sequence[str], timeout_s: float, prefix: str) -> dict[str, int]:
    keys = [
        f"{prefix}{queue}{PRIORITY_SEPARATOR}{step}" if step else f"{prefix}{queue}"
        for queue in queues
        for step in (0, *PRIORITY_STEPS)
    ]
    counts = list_lengths(url, keys, timeout_s)
    per_queue = 1 + len(PRIORITY_STEPS)
    return {q: sum(counts[i * per_queue : (i + 1) * per_queue]) for i, q in enumerate(queues)}


def _amqp_lengths(url: str, queues: Sequence[str], timeout_s: float) -> dict[str, int]:
    out: dict[str, int] = {}
    with Connection(url, connect_timeout=timeout_s, transport_options={"read_timeout": timeout_s}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout_s)
        channel = conn.channel()
        try:
            for queue in queues:
                try:
                    out[queue] = int(channel.queue_declare(queue=queue, passive=True).message_count)
                except conn.channel_errors as exc:
                    if getattr(exc, "reply_code", None) != NOT_FOUND:
                        raise
                    out[queue] = 0  # not declared yet: no worker has consumed it, nothing sent
                    channel = conn.channel()  # the broker closes a channel after a 404
        finally:
            channel.close()
    return out
