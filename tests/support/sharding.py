"""Splitting the suite into shards that run side by side (``make test`` runs two per backend).

The suite waits on real services far more than it computes (each pytest process keeps about a
quarter of a core busy), so on 2 cores four processes finish sooner than two. A shard takes whole
test files, so module fixtures are still set up once. Files are dealt out by their measured
duration (``tests/durations.json``, per backend) with the longest-first rule: each file in turn goes
to the shard with the least work so far. A file with no measurement counts as the median file.

``LEADQ_TEST_SHARD=K/N`` runs shard K of N (1-based). ``LEADQ_TEST_DURATIONS_OUT=DIR`` writes the
seconds each file took on this run to ``DIR/<backend>-<K>.json``; ``python -m
tests.support.sharding merge DIR`` folds those files into ``tests/durations.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).resolve().parents[1] / "durations.json"


def parse_shard(value: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; a clear error for anything else."""
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise pytest.UsageError(f"LEADQ_TEST_SHARD must look like 1/2, not {value!r}") from None
    if not 1 <= index <= count:
        raise pytest.UsageError(f"LEADQ_TEST_SHARD {value!r}: the shard must be between 1 and {count}")
    return index, count


def deal(weights: dict[str, float], count: int) -> list[list[str]]:
    """The files dealt into ``count`` shards, longest first, each to the least-loaded shard (ties:
    the lower shard), so the split is the same on every machine."""
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for name in sorted(weights, key=lambda n: (-weights[n], n)):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        shards[lightest].append(name)
        loads[lightest] += weights[name]
    return shards


def measured(backend: str) -> dict[str, float]:
    """Seconds per test file on ``backend`` from the last merge (empty when never measured)."""
    if not DURATIONS.exists():
        return {}
    return {str(k): float(v) for k, v in json.loads(DURATIONS.read_text()).get(backend, {}).items()}


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def backend() -> str:
    return os.environ.get("LEADQ_TEST_DB", "sqlite")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    value = os.environ.get("LEADQ_TEST_SHARD")
    if not value:
        return
    index, count = parse_shard(value)
    known = measured(backend())
    files = sorted({file_of(item.nodeid) for item in items})
    default = statistics.median(known.values()) if known else 1.0
    mine = set(deal({f: known.get(f, default) for f in files}, count)[index - 1])
    kept = [item for item in items if file_of(item.nodeid) in mine]
    dropped = [item for item in items if file_of(item.nodeid) not in mine]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


class _Recorder:
    """Adds up setup, call and teardown seconds per file; written at the end of the session."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[file_of(report.nodeid)] += report.duration

    def pytest_sessionfinish(self) -> None:
        shard = os.environ.get("LEADQ_TEST_SHARD", "1/1").split("/")[0]
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / f"{backend()}-{shard}.json"
        path.write_text(json.dumps({k: round(v, 1) for k, v in sorted(self.seconds.items())}, indent=1))


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get("LEADQ_TEST_DURATIONS_OUT")
    if out:
        config.pluginmanager.register(_Recorder(Path(out)), "leadq-durations")


def merge(directory: Path) -> dict[str, dict[str, float]]:
    """Fold ``directory``'s per-shard files into ``tests/durations.json`` (newer figures win)."""
    merged: dict[str, dict[str, float]] = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    for path in sorted(directory.glob("*-*.json")):
        name = path.stem.rsplit("-", 1)[0]
        merged.setdefault(name, {}).update(json.loads(path.read_text()))
    merged = {name: dict(sorted(files.items())) for name, files in sorted(merged.items())}
    DURATIONS.write_text(json.dumps(merged, indent=1) + "\n")
    return merged


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "merge":
        sys.exit("usage: python -m tests.support.sharding merge DIR")
    for name, files in merge(Path(sys.argv[2])).items():
        print(f"{name}: {len(files)} files, {sum(files.values()) / 60:.1f} min in all")
