"""Shared by the benchmarks: percentiles, and writing figures into one JSON file (``make bench``)."""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile by nearest rank (what 'p99' means in the figures)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def emit(path: Path | None, figures: dict[str, Any]) -> None:
    """Merge ``figures`` into the JSON file at ``path`` (created if missing, sections merged key by key,
    so one part of a benchmark may be re-run alone); no path: nothing."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text()) if path.exists() else {}
    current.setdefault(
        "machine",
        {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
    )
    _merge(current, figures)
    current["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
