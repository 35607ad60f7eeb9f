"""Every note monitoring writes is said for people by the admin page (``leadq.web.monitor_notes``):
its kind is known there and its figures fill the sentence, so no note reaches an admin in the
computation's own words because a sentence was reworded."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import monitoring
from leadq.web.monitor_notes import SAYINGS, months_text, note_text
from monitoring.report import Note

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


def written_notes() -> dict[str, set[str]]:
    """Each ``Note(kind, text, {facts})`` in monitoring's source: kind -> the facts' keys."""
    out: dict[str, set[str]] = {}
    for path in Path(monitoring.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Note":
                kind = node.args[0]
                assert isinstance(kind, ast.Constant), f"{path.name}: a Note's kind must be a literal"
                facts = node.args[2] if len(node.args) > 2 else None
                keys = (
                    {k.value for k in facts.keys if isinstance(k, ast.Constant)}
                    if isinstance(facts, ast.Dict)
                    else set()
                )
                out[str(kind.value)] = keys
    return out


def test_every_note_kind_is_said_with_its_figures():
    written = written_notes()
    assert len(written) >= 15  # the notes of performance, drift, inputs, routing and fairness
    for kind, keys in written.items():
        assert kind in SAYINGS, f"monitoring writes note {kind!r} but the page has no sentence for it"
        facts = {key: "2026-W47" if key == "week" else 3 if key in {"weeks", "days"} else "x" for key in keys}
        said = note_text(Note(kind, "the computation's words", facts), NOW)
        assert said != "The computation's words" and "{" not in said


def test_a_note_of_an_unknown_kind_is_shown_in_its_own_words_with_weeks_as_dates():
    said = note_text(Note("new_kind", "nothing in 2026-W48 yet"), NOW)
    assert said.startswith("Nothing in ") and "2026-W48" not in said


def test_months_are_said_as_names():
    assert months_text("2026-11, 2026-12") == "November 2026, December 2026"
