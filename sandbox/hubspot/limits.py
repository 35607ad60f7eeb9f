"""Per-portal rolling rate limits: the 10-second bucket and search's own per-second limit."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field

from sandbox.clock import Clock


@dataclass
class RollingWindow:
    limit: int
    interval_s: float
    _hits: deque[float] = field(default_factory=deque)

    def try_acquire(self, now: float) -> tuple[bool, int]:
        """Count one request if the window has room; returns (allowed, remaining)."""
        while self._hits and self._hits[0] <= now - self.interval_s:
            self._hits.popleft()
        if len(self._hits) >= self.limit:
            return False, 0
        self._hits.append(now)
        return True, self.limit - len(self._hits)


class RateLimits:
    """110 requests per 10 s per portal (OAuth apps) and 5 searches per second per portal."""

    def __init__(self, clock: Clock, per_ten_seconds: int = 110, search_per_second: int = 5) -> None:
        self.clock = clock
        self.per_ten_seconds = per_ten_seconds
        self.search_per_second = search_per_second
        self._windows: dict[tuple[int, str], RollingWindow] = {}
        self._lock = threading.Lock()
        # Calls refused because a limit was really exceeded (injected 429 faults are not counted).
        self.refused: Counter[tuple[int, str]] = Counter()

    def acquire(self, portal_id: int, bucket: str) -> tuple[bool, int, int, int]:
        """Returns (allowed, remaining, max, interval in ms) for the bucket ``api`` or ``search``."""
        if bucket == "search":
            limit, interval = self.search_per_second, 1.0
        else:
            limit, interval = self.per_ten_seconds, 10.0
        with self._lock:
            window = self._windows.get((portal_id, bucket))
            if window is None or window.limit != limit:
                window = self._windows[(portal_id, bucket)] = RollingWindow(limit, interval)
            allowed, remaining = window.try_acquire(self.clock.now())
            if not allowed:
                self.refused[(portal_id, bucket)] += 1
        return allowed, remaining, limit, int(interval * 1000)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
