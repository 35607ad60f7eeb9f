"""The CLI's progress display: readable lines in a log, a count and the time taken."""

from __future__ import annotations

import pytest

from leadq.commands import progress as progress_module
from leadq.commands.progress import progress


def test_plain_progress_writes_whole_lines_with_the_count(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_module, "PLAIN_EVERY_S", 0.0)
    with progress("Scoring rows", total=3, plain=True) as step:
        step(1)
        step(2, label="Writing rows")
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0] == "Scoring rows..."
    assert lines[1].startswith("Scoring rows: 1/3 (")
    assert lines[-1].startswith("Writing rows: 3/3 (") and lines[-1].endswith(" - done")


def test_a_total_found_later_is_shown(capsys: pytest.CaptureFixture[str]) -> None:
    with progress("Reading records", plain=True) as step:
        step(0, total=2_000)
        step(2_000)
    assert capsys.readouterr().err.splitlines()[-1].startswith("Reading records: 2,000/2,000")
