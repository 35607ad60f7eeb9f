"""`leadq --help` lists every command with its whole summary on one line, and a failure leadq does not
know (a bug) is one line on the screen with its traceback in the CLI's log file, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from leadq.cli import LeadqGroup, main

LEADQ = Path(sys.executable).with_name("leadq")


def command_rows(help_text: str) -> list[str]:
    """The lines of the help's Commands section."""
    lines = help_text.split("Commands:\n", 1)[1].splitlines()
    return [line for line in lines if line.strip()]


@pytest.mark.parametrize("group", [[], ["admin"], ["db"], ["keys"]])
def test_every_summary_is_whole_and_on_one_line_of_an_80_column_terminal(group):
    env = dict(os.environ, COLUMNS="80")
    done = subprocess.run(  # a user's terminal, not click's test runner
        [str(LEADQ), *group, "--help"], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    rows = command_rows(done.stdout)
    names = [row.split()[0] for row in rows]
    expected = sorted((main.commands if not group else main.commands[group[0]].commands).keys())  # type: ignore[attr-defined]
    assert names == expected, f"one line per command, no wrapped continuation:\n{done.stdout}"
    for row in rows:
        assert "..." not in row and len(row) <= 80, row
        summary = row.split(None, 1)[1]
        assert summary.endswith((".", ")")) and len(summary.split()) >= 4, f"a whole sentence: {row!r}"


def test_version():
    done = subprocess.run([str(LEADQ), "--version"], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.startswith("leadq ")


def _group_with_a_bug() -> click.Group:
    @click.group(cls=LeadqGroup)
    def cli() -> None:
        pass

    @cli.command("broken")
    def broken() -> None:
        {}["no such key"]  # the bug under test

    return cli


def test_an_unknown_failure_is_one_line_and_its_traceback_goes_to_the_log(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LEADQ_DEBUG", raising=False)
    result = CliRunner().invoke(_group_with_a_bug(), ["broken"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    log = tmp_path / "leadq-cli.log"
    assert result.output.strip() == (
        "Error: `leadq broken` failed unexpectedly (KeyError: 'no such key'); run with LEADQ_DEBUG=1 for "
        f"details (the traceback is in {log})"
    )
    assert "Traceback (most recent call last)" in log.read_text() and "KeyError" in log.read_text()


def test_leadq_debug_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LEADQ_DEBUG", "1")
    result = CliRunner().invoke(_group_with_a_bug(), ["broken"])
    assert isinstance(result.exception, KeyError), "raised as it is, so Python prints its traceback"
