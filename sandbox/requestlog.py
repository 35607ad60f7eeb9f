"""Every request the sandbox answered, for tests and benchmarks to count and inspect."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any  # parsed JSON, form dict, or raw text
    status: int
    area: str  # api | search | oauth | webhooks-admin | control | salesforce
    portal_id: int | None
    at: float
    headers: dict[str, str] = field(default_factory=dict)


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, predicate: Callable[[LoggedRequest], bool] | None = None) -> list[LoggedRequest]:
        with self._lock:
            items = list(self._entries)
        return [e for e in items if predicate is None or predicate(e)]

    def count(
        self, method: str | None = None, path_prefix: str | None = None, area: str | None = None
    ) -> int:
        return len(
            self.entries(
                lambda e: (
                    (method is None or e.method == method)
                    and (path_prefix is None or e.path.startswith(path_prefix))
                    and (area is None or e.area == area)
                )
            )
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
