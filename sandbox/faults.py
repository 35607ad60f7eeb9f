"""Fault injection: a share of 429s and 5xx, and added latency, drawn from a seeded RNG."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass
class Faults:
    rate_429: float = 0.0  # share of API requests answered 429
    rate_5xx: float = 0.0  # share answered 500/502/503
    latency_ms: float = 0.0  # added to every API request
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("rate_429", "rate_5xx"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.rate_429 + self.rate_5xx > 1.0:
            raise ValueError("rate_429 + rate_5xx must not exceed 1")
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        """'429', '5xx' or None for one request."""
        if not (self.rate_429 or self.rate_5xx):
            return None
        with self._lock:
            roll = self._rng.random()
        if roll < self.rate_429:
            return "429"
        if roll < self.rate_429 + self.rate_5xx:
            return "5xx"
        return None

    def pick_5xx(self) -> int:
        with self._lock:
            return self._rng.choice((500, 502, 503))

    def update(self, **values: float) -> None:
        for key, value in values.items():
            if not hasattr(self, key) or key.startswith("_"):
                raise ValueError(f"unknown fault knob {key!r}")
            setattr(self, key, type(getattr(self, key))(value))
        self.__post_init__()
