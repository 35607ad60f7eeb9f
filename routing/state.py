"""The routing state protocol (counters, open leads, round-robin counts) and an in-memory store.

Decisions are pure; their side effects are committed through ``RoutingState.commit``,
an atomic compare-and-set: it fails (returns False) if the pool moved on since the
snapshot or a cap would be exceeded, and the caller decides again on a fresh snapshot.
The Redis and SQL implementations live in ``storage/``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from routing.types import Decision, RepLoad, Snapshot


def week_key(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


class RoutingState(Protocol):
    def snapshot(self, pools: Sequence[str], reps: Sequence[str], week: str) -> Snapshot:
        """Current counts for these pools and reps."""
        ...

    def commit(self, decision: Decision, week: str) -> bool:
        """Apply the decision's effects atomically; False if stale or over a cap (nothing applied)."""
        ...

    def release(self, rep: str) -> None:
        """One of the rep's open leads was worked or closed."""
        ...


class InMemoryRoutingState:
    """A thread-safe RoutingState for tests and benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open: dict[str, int] = defaultdict(int)
        self.weeks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.pools: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.versions: dict[str, int] = defaultdict(int)

    def snapshot(self, pools: Sequence[str], reps: Sequence[str], week: str) -> Snapshot:
        with self._lock:
            return Snapshot(
                week=week,
                loads={r: RepLoad(self.open.get(r, 0), self.weeks[week].get(r, 0)) for r in reps},
                pool_counts={p: dict(self.pools[p]) for p in pools},
                pool_versions={p: self.versions[p] for p in pools},
            )

    def commit(self, decision: Decision, week: str) -> bool:
        with self._lock:
            rep = decision.owner_id
            if decision.pool is not None and self.versions[decision.pool] != decision.expected_version:
                return False
            if rep and decision.counts_toward_load:
                open_cap, week_cap = decision.caps
                if open_cap is not None and self.open[rep] >= open_cap:
                    return False
                if week_cap is not None and self.weeks[week][rep] >= week_cap:
                    return False
                self.open[rep] += 1
                self.weeks[week][rep] += 1
            if decision.pool is not None:
                if rep:
                    self.pools[decision.pool][rep] += 1
                self.versions[decision.pool] += 1
            return True

    def release(self, rep: str) -> None:
        with self._lock:
            self.open[rep] = max(0, self.open[rep] - 1)
