"""A running backfill task says it is alive, so the watchdog can tell a dead worker within seconds.

While a backfill task runs, a thread stores Redis's own time under the backfill's key every
``every_s``; when the task ends (done, handed on, retrying, failed) the key is deleted. So a key that
exists but has not been refreshed for ``worker_lost_after_s`` belongs to a task whose process died
(SIGKILL, OOM, a lost machine) mid-run: the watchdog requeues that backfill at once instead of waiting
for the broker's visibility timeout or the long ``stall_after_s``. A backfill between two tasks (its
continuation waiting in a busy queue) has no key and is never mistaken for a dead one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from storage import heartbeats
from storage.db import UNAVAILABLE, Redis
from storage.heartbeats import heartbeat_key

log = logging.getLogger(__name__)


@contextmanager
def backfill_heartbeat(client: Redis, installation_id: int, name: str, every_s: float) -> Iterator[None]:
    """Beat while the block runs. Redis being down never fails the task: the beat is skipped."""
    key = heartbeat_key(installation_id, name)
    stop = threading.Event()

    def keep_beating() -> None:
        while not stop.wait(every_s):
            try:
                heartbeats.beat(client, key)
            except UNAVAILABLE as exc:
                log.warning("backfill.heartbeat-failed", extra={"why": str(exc)[:200]})

    try:
        heartbeats.beat(client, key)
    except UNAVAILABLE as exc:
        log.warning("backfill.heartbeat-failed", extra={"why": str(exc)[:200]})
    thread = threading.Thread(target=keep_beating, name=f"heartbeat-{installation_id}-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every_s + 5)
        try:
            heartbeats.stop(client, key)
        except UNAVAILABLE as exc:
            log.warning("backfill.heartbeat-failed", extra={"why": str(exc)[:200]})
