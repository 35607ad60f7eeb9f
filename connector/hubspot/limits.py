"""Per-portal call budgets. The limiter itself is injected (Redis-backed across workers)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

API, SEARCH = "api", "search"


# A call is counted when leadq takes its slot, but HubSpot counts it when it arrives. Counting over a
# window this much longer than HubSpot's keeps any 10 s of arrivals within the budget as long as no
# call takes longer than this from slot to arrival (a loaded machine, a slow proxy).
ARRIVAL_MARGIN_S = 1.0


@dataclass(frozen=True)
class Budget:
    """HubSpot OAuth apps: 110 per 10 s per portal, search 5 per second. leadq keeps a margin in the
    count (100, 4) and in time (the window is ARRIVAL_MARGIN_S longer than HubSpot's)."""

    api_per_10s: int = 100
    search_per_s: int = 4

    def window(self, bucket: str) -> tuple[int, float]:
        if bucket == SEARCH:
            return self.search_per_s, 1.0 + ARRIVAL_MARGIN_S / 10
        return self.api_per_10s, 10.0 + ARRIVAL_MARGIN_S


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
