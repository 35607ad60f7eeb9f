"""`leadq demo`: the whole flow on the sandbox with a real worker, as a process a user starts. (The
admin app showing a serving run's own numbers is checked on the 600-contact demo that
``test_demo_second_terminal`` serves.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from itertools import pairwise

import pytest

SILENCE_LIMIT_S = 15.0  # issue 17: no silent stretch longer than this until the summary


def _timed_lines(command: list[str]) -> tuple[list[tuple[float, str]], int]:
    """Each output line (stdout and stderr, as a terminal shows them) with when it arrived."""
    started = time.monotonic()
    process = subprocess.Popen(  # leadq's own command line
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    lines = [(time.monotonic() - started, line.rstrip("\n")) for line in process.stdout]
    return lines, process.wait(timeout=60)


@pytest.mark.redis
def test_demo_no_serve_runs_the_whole_flow_and_is_never_silent_for_long(demo_env) -> None:
    lines, exit_code = _timed_lines(
        [sys.executable, "-m", "leadq.cli", "demo", "--records", "1000", "--no-serve"]
    )
    out = "\n".join(text for _at, text in lines)
    assert exit_code == 0, out
    texts = [text for _at, text in lines]
    assert "leadq demo summary" in texts, out
    stamps = [at for at, _text in lines[: texts.index("leadq demo summary") + 1]]
    gaps = [b - a for a, b in pairwise([0.0, *stamps])]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    assert gaps[worst] < SILENCE_LIMIT_S, f"{gaps[worst]:.1f} s of silence before {texts[worst]!r}:\n{out}"
    assert "Traceback" not in out
    scored = re.search(
        r"records scored:\s+([\d,]+) contacts\s+\(L1 ([\d,]+), L2 ([\d,]+), L3 ([\d,]+), L4 ([\d,]+)\)", out
    )
    assert scored, out
    numbers = [int(n.replace(",", "")) for n in scored.groups()]
    assert numbers[0] == 1000 == sum(numbers[1:])
    assert re.search(r"written back:\s+1,000 contacts and [\d,]+ companies", out)
    assert re.search(r"model:\s+m\d+: AUC 0\.\d{3} vs\. rules 0\.\d{3}", out), out
    calls = int(re.search(r"CRM API calls:\s+([\d,]+)", out).group(1).replace(",", ""))
    assert 0 < calls < 200
    assert "admin app:" in out and "time taken:" in out
    # The demo checks the alarms once at the end, as beat's hourly job would (the demo runs no beat).
    assert "checking the monitoring alarms once" in out
    assert re.search(
        r"alarms:\s+(none|\d+) open.* after one check \(beat checks every 60 min\): `\S*leadq alarms list 1`",
        out,
    ), out
    # The servers stop with --no-serve: no URL to them, and it says so; the CLI still reads the settings.
    assert "http://" not in out.split("leadq demo summary")[1], out
    assert re.search(r"admin app:\s+stopped with the demo", out), out
    env_file = re.search(r"export LEADQ_ENV_FILE=(\S+)", out).group(1)
    assert env_file == str(demo_env.resolve() / "demo" / "leadq.env")
    # What the summary says to run next reads what the run left, its one alarm check included.
    status = subprocess.run(  # leadq's own command line, as the summary says
        [sys.executable, "-m", "leadq.cli", "status"],
        env={**os.environ, "LEADQ_ENV_FILE": env_file},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert re.search(r"alarms checked (just now|\d+ min ago)", status.stdout), status.stdout
    assert "never checked" not in status.stdout, status.stdout


@pytest.mark.redis
def test_a_demo_too_small_to_train_a_model_says_why_and_scores_by_the_rules(demo_env) -> None:
    lines, exit_code = _timed_lines(
        [sys.executable, "-m", "leadq.cli", "demo", "--records", "150", "--no-serve"]
    )
    out = "\n".join(text for _at, text in lines)
    assert exit_code == 0, out
    assert "timed out" not in out and "Traceback" not in out
    assert re.search(r"model:\s+none yet \(ICP rules score\): no model trained: \d+ outcomes", out), out
    assert re.search(r"records scored:\s+150 contacts", out), out
