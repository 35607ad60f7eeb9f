"""Every `leadq` command, run with a user's environment, against the bad inputs a first hour brings
(issue 17): no database yet, a database that cannot be reached, keys that are not the ones the
tokens were encrypted with, an installation that does not exist, the CRM or Redis unreachable, a bad
setting, and configuration files that are missing, empty, binary or UTF-16. None may print a Python
traceback; each must exit non-zero with one sentence that names the fix.

Most commands run in this process (``invoke``: click's runner, with exactly the user's environment
and the traceback a process would print for an exception that escaped): a `leadq` process spends a
second or more starting up, and these tests run about ninety commands. A few run as the installed
`leadq` process (``run``), so the real entry point is checked on each kind of input too."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from leadq.cli import main
from storage.cursors import PREVIEW
from storage.statuses import CursorStatus
from storage.tables import DeadLetter, SyncCursor
from storage.vault import Vault
from tests.support.sync import worker_env

LEADQ = Path(sys.executable).with_name("leadq")
GOOD_ICP = '[firmographics]\ntarget_industries = ["healthcare"]\n'
NO_SUCH = 999  # an installation id no test database holds


def run(env: dict[str, str], *args: str, stdin: str = "", timeout: float = 240) -> tuple[int, str]:
    """Run `leadq ARGS` as a user would; its exit code and everything it printed."""
    done = subprocess.run(
        [str(LEADQ), *args], env=env, input=stdin, capture_output=True, text=True, timeout=timeout
    )
    return done.returncode, done.stdout + done.stderr


def invoke(env: dict[str, str], *args: str, stdin: str = "") -> tuple[int, str]:
    """`leadq ARGS` in this process with exactly ``env`` as its environment; its exit code and all it
    printed, followed by the traceback Python would print had an exception escaped the command."""
    from workers.tasks import runtime  # cached once per process: a worker's settings never change

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    runtime.cache_clear()
    try:
        result = CliRunner().invoke(main, list(args), input=stdin)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        runtime.cache_clear()
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(result.exception))
    return result.exit_code, output


def refusals(
    env: dict[str, str], table: Sequence[tuple[Sequence[str], str]], process: bool = False
) -> list[str]:
    """Run each command of ``table`` (in this process, or as `leadq` processes with ``process``); the
    ways any of them failed to refuse with its fix: a zero exit, a traceback, or an error that is
    not one line naming ``fix``."""

    def one(args: Sequence[str]) -> tuple[int, str]:
        command: Callable[..., tuple[int, str]] = run if process else invoke
        return command(env, *args, stdin="a-long-enough-password\n")

    if process:
        with ThreadPoolExecutor(max_workers=3) as pool:  # each `leadq` process is mostly start-up
            runs = list(pool.map(one, [a for a, _ in table]))
    else:
        runs = [one(args) for args, _ in table]
    problems = []
    for (args, fix), (code, output) in zip(table, runs, strict=True):
        errors = [line for line in output.splitlines() if line.startswith("Error:")]
        if code == 0 or "Traceback" in output or len(errors) != 1 or fix not in errors[0]:
            problems.append(f"`leadq {' '.join(args)}` (exit {code}), wanted {fix!r}:\n{output}")
    return problems


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADQ_")}
    return env | {"PYTHONUNBUFFERED": "1", "COLUMNS": "100"}


@pytest.fixture
def icp_file(tmp_path: Path) -> Path:
    path = tmp_path / "icp.toml"
    path.write_text(GOOD_ICP, encoding="utf-8")
    return path


# Every command that needs the database, with an installation id where it takes one.
def needs_database(installation: int, icp: Path) -> list[list[str]]:
    i = str(installation)
    return [
        ["status"],
        ["errors", i],
        ["retry", i],
        ["backfill", i, "--dry-run"],
        ["reconcile", i],
        ["retrain", i],
        ["config", i, "--icp", str(icp)],
        ["approve", i],
        ["approve", i, "--cancel"],
        ["outbound-url", i],
        ["prune"],
        ["keys", "rotate"],
        ["admin", "create", "alice", "--password-stdin"],
        ["admin", "grant", "alice", i],
        ["admin", "allow", i, "9000000"],
    ]


def test_no_database_yet_names_db_upgrade_and_creates_nothing(base_env, tmp_path, icp_file):
    data = tmp_path / "fresh"
    env = base_env | {"LEADQ_DATA_DIR": str(data)}
    table = [(args, "create it with `leadq db upgrade`") for args in needs_database(1, icp_file)]
    assert not refusals(env, table), "\n\n".join(refusals(env, table))
    assert not (data / "leadq.db").exists(), "no database file is made to say there is none"
    code, output = run(env, "db", "upgrade")
    assert code == 0 and "is up to date" in output, output
    code, output = run(env, "status")
    assert code == 0 and "no installation yet: `leadq install-url hubspot|salesforce`" in output


def test_no_database_names_the_demos_settings_when_the_demo_made_them(base_env, tmp_path):
    data = tmp_path / "data"
    (data / "demo").mkdir(parents=True)
    sqlite3.connect(data / "demo" / "demo.db").close()
    env = base_env | {"LEADQ_DATA_DIR": str(data)}
    demo_db = (data / "demo" / "demo.db").resolve()
    assert not refusals(
        env, [(["status"], f"or use the demo's: `export LEADQ_DATABASE_URL=sqlite:///{demo_db}`")]
    )
    (data / "demo" / "leadq.env").write_text(f"LEADQ_DATABASE_URL=sqlite:///{demo_db}\n")
    fix = f"or use the demo's: `export LEADQ_ENV_FILE={(data / 'demo' / 'leadq.env').resolve()}`"
    problems = refusals(env, [(["status"], fix)])
    assert not problems, "\n\n".join(problems)


def test_an_empty_or_broken_database_file_is_named_with_its_fix(base_env, tmp_path):
    empty, garbage = tmp_path / "empty.db", tmp_path / "garbage.db"
    empty.touch()  # what `leadq status` used to leave behind
    garbage.write_bytes(b"this is not a database\n" * 200)
    table = [
        (["status"], "has no leadq tables yet: create them with `leadq db upgrade`"),
    ]
    assert not refusals(base_env | {"LEADQ_DATABASE_URL": f"sqlite:///{empty}"}, table)
    table = [(["status"], "cannot be reached (file is not a database): start it, or fix LEADQ_DATABASE_URL")]
    problems = refusals(base_env | {"LEADQ_DATABASE_URL": f"sqlite:///{garbage}"}, table)
    assert not problems, "\n\n".join(problems)


def test_a_database_server_that_is_down_names_the_setting(base_env):
    url = f"postgresql+psycopg://leadq:secret-password@127.0.0.1:{closed_port()}/leadq"
    env = base_env | {"LEADQ_DATABASE_URL": url}
    fix = "cannot be reached (connection failed: connection to server at"
    table = [  # every command checks the database the same way before it uses it
        (["status"], fix),
        (["backfill", "1", "--dry-run"], fix),  # through the worker's runtime
        (["keys", "rotate"], fix),
        (["db", "upgrade"], "start it, or fix LEADQ_DATABASE_URL"),
    ]
    problems = refusals(env, table)
    assert not problems, "\n\n".join(problems)
    _code, output = run(env, "status")
    assert "secret-password" not in output and "start it, or fix LEADQ_DATABASE_URL" in output, output


def test_a_bad_setting_names_the_variable(base_env, tmp_path):
    env = base_env | {"LEADQ_DATA_DIR": str(tmp_path), "LEADQ_REDIS_URL": "nonsense"}
    table = [(args, "LEADQ_REDIS_URL") for args in (["status"], ["backfill", "1"], ["db", "upgrade"])]
    problems = refusals(env, table) + refusals(env, table, process=True)
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def env(leadq_settings, installed, base_env) -> dict[str, str]:
    """The settings leadq was installed with, as a user's shell holds them."""
    return base_env | {k: v for k, v in worker_env(leadq_settings).items() if k.startswith("LEADQ_")}


@pytest.fixture
def worked(env, installed, sessions) -> int:
    """The installation after a real backfill (scores stored, fields written) with one record the CRM
    refused, so that retry and reconcile have work that needs the CRM."""
    code, output = invoke(env, "backfill", str(installed))
    assert code == 0 and "60 records, 60 written" in output, output
    with sessions.begin() as session:
        session.add(
            DeadLetter(
                installation_id=installed,
                object_type="contact",
                record_id="1001",
                reason="validation",
                message="leadq_tier: INVALID_OPTION",
            )
        )
    return installed


def test_the_commands_work_with_the_installations_settings(env, worked, icp_file):
    """The baseline the refusals are measured against: the same commands succeed, with no traceback."""
    i = str(worked)
    for args, says in [
        (["status"], f"#{i} hubspot"),
        (["errors", i], f"installation {i}: 1 failing record, 1 cause"),
        (["backfill", i, "--dry-run"], "dry run: nothing was written"),
        (["reconcile", i], "reconciled: "),
        (["config", i, "--icp", str(icp_file)], "saved as pending"),
        (["approve", i, "--cancel"], "pending configuration discarded"),
        (["retry", i], "retried 1 record;"),
    ]:
        code, output = (run if args == ["status"] else invoke)(env, *args)
        assert code == 0 and says in output and "Traceback" not in output, f"leadq {args}:\n{output}"
    code, output = invoke(env, "approve", i, "--cancel")  # discarded already: nothing left to discard
    assert code == 1 and "nothing is pending" in output and "discarded" not in output, output


def test_keys_that_did_not_encrypt_the_tokens_name_the_setting(env, worked, icp_file):
    i = str(worked)
    wrong = env | {"LEADQ_ENCRYPTION_KEYS": Vault.generate_key()}
    fix = "cannot be decrypted with LEADQ_ENCRYPTION_KEYS: set it to the keys leadq was installed with"
    table = [
        (["backfill", i, "--dry-run"], fix),
        (["backfill", i], fix),
        (["retry", i], fix),
        (["reconcile", i], fix),
        (["retrain", i], fix),
        (["config", i, "--icp", str(icp_file)], fix),
        (["keys", "rotate"], "keep the old key in LEADQ_ENCRYPTION_KEYS"),
    ]
    problems = refusals(wrong, table)
    assert not problems, "\n\n".join(problems)


def test_an_unknown_installation_is_named_with_where_to_find_them(env, installed, icp_file):
    table = [
        (args, "`leadq status` lists them")
        for args in needs_database(NO_SUCH, icp_file)
        if str(NO_SUCH) in args
    ]
    table.append((["prune", "--installation", str(NO_SUCH)], "`leadq status` lists them"))
    table.append((["errors", str(NO_SUCH), "--cause", "1"], "`leadq status` lists them"))
    assert len(table) >= 10
    problems = refusals(env, table)
    assert not problems, "\n\n".join(problems)


def test_an_unreachable_crm_or_redis_names_what_to_check(env, installed):
    i = str(installed)
    crm_down = env | {"LEADQ_HUBSPOT_API_BASE": f"http://127.0.0.1:{closed_port()}"}
    problems = refusals(
        crm_down,
        [(["backfill", i, "--dry-run"], "HubSpot could not be reached (the connection was refused)")],
    )
    redis_down = env | {"LEADQ_REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    problems += refusals(
        redis_down,
        [
            (args, "cannot be reached (Error 111 connecting to 127.0.0.1")
            for args in (["backfill", i, "--dry-run"], ["retry", i], ["reconcile", i], ["retrain", i])
        ],
    )
    assert not problems, "\n\n".join(problems)


def test_a_dry_run_the_crm_stopped_leaves_its_preview_cancelled_not_waiting_on_a_worker(
    env, installed, sessions
):
    """The Sync page must not say "no leadq worker has worked on it: is a worker running?" about a
    preview a `leadq backfill --dry-run` gave up on because the CRM could not be reached."""
    crm_down = env | {"LEADQ_HUBSPOT_API_BASE": f"http://127.0.0.1:{closed_port()}"}
    code, output = invoke(crm_down, "backfill", str(installed), "--dry-run")
    assert code != 0 and "the CRM is unavailable" in output, output
    with sessions() as session:
        rows = session.scalars(
            select(SyncCursor).where(SyncCursor.installation_id == installed, SyncCursor.name == PREVIEW)
        ).all()
    assert rows and {r.status for r in rows} == {CursorStatus.CANCELLED}, [
        (r.object_type, r.status) for r in rows
    ]


def test_configuration_files_a_user_might_give_are_named_with_the_fix(env, installed, tmp_path):
    i = str(installed)
    files = {
        "empty.toml": b"",
        "binary.toml": bytes(range(256)) * 4,
        "utf16.toml": GOOD_ICP.encode("utf-16"),
        "two-rows.toml": b"[firmographics]\ntarget_industries = \n",
        "semicolons.toml": b"a;b;c\n1;2;3\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    utf8 = "is not UTF-8 text (a binary file, or another encoding such as UTF-16): save it as UTF-8"
    table = [
        (["config", i, "--icp", str(tmp_path / "missing.toml")], "does not exist"),
        (["config", i, "--icp", str(tmp_path)], "is a directory"),
        (["config", i, "--icp", str(tmp_path / "binary.toml")], utf8),
        (["config", i, "--icp", str(tmp_path / "utf16.toml")], utf8),
        (["config", i, "--routing", str(tmp_path / "utf16.toml")], utf8),
        (["config", i, "--icp", str(tmp_path / "two-rows.toml")], "was refused, nothing was saved"),
        (["config", i, "--icp", str(tmp_path / "semicolons.toml")], "was refused, nothing was saved"),
        (["config", i, "--icp", str(tmp_path / "empty.toml")], "is empty, nothing was saved"),
        (["config", i], "give --icp FILE and/or --routing FILE"),
    ]
    problems = refusals(env, table)
    assert not problems, "\n\n".join(problems)
