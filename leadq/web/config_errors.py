"""Where a configuration problem is: the line of the admin's TOML text it concerns (quoted with its
number, so the page can show it under the text box), and the form field it belongs to.

A problem names a dotted key (``firmographics.employees.min``, ``reps[1].timezone``) or, for a syntax
error, the file's line (``ICP file, line 3``); ``line_of`` finds the key's line by following the
file's ``[table]`` and ``[[array]]`` headers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from core.config_text import ConfigProblem

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*([A-Za-z0-9_\-"'. ]+?)\s*=""")
_LINE = re.compile(r"\bline (\d+)\b")
_OWNER = re.compile(r"\(owner id ([^)]+)\)")

# ICP and routing keys the common-fields form edits, by the form field they are typed into
FIELD_OF_KEY = {
    "firmographics.target_industries": "industries",
    "firmographics.countries": "countries",
    "firmographics.employees.min": "employees_min",
    "firmographics.employees.ideal": "ideal",
    "firmographics.employees.max": "employees_max",
    **{f"pools.{tier}": f"pool_{tier}" for tier in ("L1", "L2", "L3", "L4")},
}


@dataclass(frozen=True)
class Shown:
    """One problem as the page shows it: the message, and the line of the text it concerns."""

    message: str
    line: int | None = None
    quoted: str = ""
    key: str = ""  # the key the problem names, and the problem without it
    problem: str = ""


def _clean(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def line_of(text: str, key: str) -> int | None:
    """The 1-based line where ``key`` is written in ``text``: the key's own line, else the line of the
    nearest table or key above it in the path (a key left at its default has no line of its own)."""
    table, arrays = "", Counter[str]()
    best: tuple[int, int] | None = None  # (how much of the key the line covers, line)
    for number, line in enumerate(text.splitlines(), 1):
        if header := _HEADER.match(line):
            name = _clean(header.group(2))
            if header.group(1) == "[[":
                table = f"{name}[{arrays[name]}]"
                arrays[name] += 1
            else:
                table = name
            full = table
        elif assignment := _KEY.match(line):
            full = f"{table}.{_clean(assignment.group(1))}" if table else _clean(assignment.group(1))
        else:
            continue
        if full == key:
            return number
        if key.startswith((full + ".", full + "[")):
            score = len(full)
        elif full.startswith((key + ".", key + "[")):
            score = 0
        else:
            continue
        if best is None or score > best[0]:
            best = (score, number)
    return best[1] if best else None


def _owner_line(text: str, message: str) -> int | None:
    found = _OWNER.search(message)
    if not found:
        return None
    wanted = re.compile(r"^\s*owner_id\s*=\s*[\"']?" + re.escape(found.group(1)) + r"[\"']?\s*(?:#.*)?$")
    return next((n for n, line in enumerate(text.splitlines(), 1) if wanted.match(line)), None)


def _shown(text: str, message: str, line: int | None, problem: ConfigProblem | None = None) -> Shown:
    lines = text.splitlines()
    key, said = (problem.key, problem.problem) if problem else ("", "")
    if line is None or not 1 <= line <= len(lines):
        return Shown(message, key=key, problem=said)
    return Shown(message, line, lines[line - 1], key=key, problem=said)


def problems_in(text: str, error: ConfigProblem) -> list[Shown]:
    """Every problem of ``error`` with the line of ``text`` it concerns (when it has one)."""
    shown = []
    for problem in error.problems:
        syntax = _LINE.search(problem.key)  # "ICP file, line 3": a syntax error
        line = int(syntax.group(1)) if syntax else line_of(text, problem.key)
        shown.append(_shown(text, str(problem), line, problem))
    return sorted(shown, key=lambda s: s.line if s.line is not None else 1 << 30)  # in reading order


def messages_in(text: str, messages: list[str]) -> list[Shown]:
    """Problems given as plain messages (reps the CRM would refuse), with the rep's line."""
    return [_shown(text, message, _owner_line(text, message)) for message in messages]


def field_of(key: str) -> str | None:
    """The common-fields form's field for a problem's key (None: it is only in the files)."""
    return FIELD_OF_KEY.get(key)
