"""Private Redis, RabbitMQ and PostgreSQL servers the fault tests may stop and start at will.

The shared services on 127.0.0.1:6379, :5672 and :5432 serve every other test; restarting them would
hit tests that are not about restarts. These run on free ports in a temporary directory, from the same
binaries, and are torn down afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.services import service_missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, up: bool, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return True
        except OSError:
            if not up:
                return True
        time.sleep(0.05)
    return False


@dataclass
class PrivateRedis:
    """redis-server without persistence, like the broker in production often is: a restart loses
    every queued message."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server (for a private broker)", "binary not found")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not _wait_port(self.port, up=True):
            raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save; queued and unacknowledged messages are gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        _wait_port(self.port, up=False)


RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


@dataclass
class PrivateRabbit:
    """A RabbitMQ node of its own (its own node name, ports and database directory), so a test may
    SIGKILL it. Its queues are durable and Celery's messages persistent: a restart keeps them."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _binary(self) -> str:
        if os.path.exists(RABBITMQ_SERVER):
            return RABBITMQ_SERVER
        found = shutil.which("rabbitmq-server")
        if found is None:
            service_missing("rabbitmq-server (for a private broker)", "binary not found")
        return str(found)

    def start(self) -> None:
        binary = self._binary()
        dist_port = self.port + 10_000 if self.port < 55_000 else self.port - 10_000
        env = dict(os.environ) | {
            "HOME": str(self.directory),  # its own Erlang cookie
            "RABBITMQ_NODENAME": f"leadq-test-{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_PID_FILE": str(self.directory / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "plugins"),
            "RABBITMQ_ENABLED_PLUGINS": "[]",
            "RABBITMQ_CONFIG_FILE": str(self.directory / "none"),
        }
        log = open(self.directory / "server.out", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [binary], env=env, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT
        )
        if not _wait_port(self.port, up=True, timeout=60):
            self.kill()
            service_missing("a private RabbitMQ node", (self.directory / "server.out").read_text()[-500:])

    def kill(self) -> None:
        """SIGKILL the node (the Erlang VM): every connection drops at once."""
        pid_file = self.directory / "pid"
        if pid_file.exists():
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            pid_file.unlink()
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        _wait_port(self.port, up=False)


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary directory, trust auth)."""

    directory: Path
    port: int = field(default_factory=free_port)
    bindir: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or (
            [shutil.which("initdb")] if shutil.which("initdb") else []
        )
        if not found:
            service_missing("PostgreSQL server binaries (initdb, pg_ctl)", "not installed")
        self.bindir = Path(found[-1]).parent
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.directory / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.directory / "data"),
            "-l",
            str(self.directory / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: like a crash; every connection is cut, recovery runs at the next start."""
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", mode, "-w", "stop")


def private_directory() -> Path:
    path = Path(tempfile.mkdtemp(prefix="leadq-fault-", dir="/tmp"))
    path.chmod(0o755)
    return path
