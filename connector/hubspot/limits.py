"""Per-portal call budgets. The limiter itself is injected (Redis-backed across workers)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

API, SEARCH = "api", "search"


@dataclass(frozen=True)
class Budget:
    """HubSpot OAuth apps: 110 per 10 s per portal (we keep a margin), search 5 per second."""

    api_per_10s: int = 100
    search_per_s: int = 4

    def window(self, bucket: str) -> tuple[int, float]:
        return (self.search_per_s, 1.0) if bucket == SEARCH else (self.api_per_10s, 10.0)


class Limiter(Protocol):
    def acquire(self, key: str, limit: int, window_s: float) -> None:
        """Block until one more call under ``key`` keeps within ``limit`` per ``window_s``."""
        ...


class LocalLimiter:
    """A sliding-window limiter for one process (tests, the CLI); Redis's is shared by all workers."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ):
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.clock, self.sleep = clock, sleep

    def acquire(self, key: str, limit: int, window_s: float) -> None:
        while True:
            with self._lock:
                now = self.clock()
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - window_s:
                    hits.popleft()
                if len(hits) < limit:
                    hits.append(now)
                    return
                wait = hits[0] + window_s - now
            self.sleep(max(wait, 0.001))
