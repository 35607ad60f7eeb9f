"""The command lines that start leadq's Celery worker and beat processes (demo, benches, tests share them)."""

from __future__ import annotations

import sys
from pathlib import Path


def worker_command(
    queues: str, concurrency: int = 2, solo: bool = False, loglevel: str = "WARNING"
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery_app",
        "worker",
        "-Q",
        queues,
        "--without-gossip",
        "--without-mingle",
        "-l",
        loglevel,
    ]
    return command + (["-P", "solo"] if solo else ["-c", str(concurrency)])


def beat_command(schedule: Path, loglevel: str = "WARNING") -> list[str]:
    """``schedule``: beat's own state file (when each entry last ran)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery_app",
        "beat",
        "-s",
        str(schedule),
        "-l",
        loglevel,
    ]
