"""The command line that starts a leadq Celery worker process (demo, benches, tests share it)."""

from __future__ import annotations

import sys


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
