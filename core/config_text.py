"""Reading an admin's TOML configuration text (the ICP, the routing rules) without surprises.

``parse_toml`` is ``tomllib.loads`` whose every failure is the caller's error type naming the problem:
too long, not TOML (with the file's name, the line and the column), nested too deeply, an integer with
thousands of digits, NaN or infinity anywhere. ``ConfigProblem`` and ``Problems`` let a validator
report every problem of a file at once instead of only the first.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from typing import Any, TypeVar

MAX_TEXT_CHARS = 400_000  # a configuration file longer than this is refused, never cut
MAX_NUMBER = 10**15  # no count, weight, capacity or amount in a configuration comes near it

# The caller's error type: built from the offending key and the problem, e.g. IcpError(key, problem).
ConfigError = Callable[[str, str], ValueError]
T = TypeVar("T")
_WHERE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


class ConfigProblem(ValueError):
    """A configuration file is invalid; the message starts with the offending key (or the file's name
    and line). ``problems`` holds every problem found in the file, this one first."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem
        self.problems: list[ConfigProblem] = [self]


class Problems:
    """Collects a validator's problems so one check of a file reports all of them, in order."""

    def __init__(self, kind: type[ConfigProblem]) -> None:
        self.kind = kind
        self.found: list[ConfigProblem] = []

    def add(self, key: str, problem: str) -> None:
        self.found.append(self.kind(key, problem))

    def check(self, call: Callable[[], T], fallback: T) -> T:
        """``call()``, or ``fallback`` with its problem noted when it raises the validator's error."""
        try:
            return call()
        except ConfigProblem as exc:
            self.found.extend(exc.problems)
            return fallback

    def raise_any(self) -> None:
        """Raise the first problem, its message listing every problem one per line."""
        if not self.found:
            return
        first = self.found[0]
        combined = self.kind(first.key, first.problem)
        combined.args = ("\n".join(str(p) for p in self.found),)
        combined.problems = list(self.found)
        raise combined


def check_values(data: Any, error: ConfigError, name: str = "file") -> None:
    """Refuse what no configuration value may be: NaN (it passes every < and > check) or infinite
    numbers, integers beyond +/-10**15. Iterative, so a deeply nested file cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            stack += [(f"{where}.{k}" if where else str(k), v) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(f"{where}[{i}]", v) for i, v in enumerate(node)]
        elif isinstance(node, float) and not math.isfinite(node):
            raise error(where or name, f"must be a finite number, got {node}")
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_NUMBER:
            raise error(where or name, f"is out of range (at most {MAX_NUMBER:.0e} in size)")


def _syntax(text: str, exc: tomllib.TOMLDecodeError, name: str) -> tuple[str, str]:
    """The key and problem for a TOML syntax error: the file's name and line, the column, tomllib's
    reason in lower case ("ICP file, line 3", "not valid TOML at column 7: invalid value")."""
    message = str(exc)
    found = _WHERE.search(message)
    reason = (message[: found.start()] if found else message).strip()
    reason = reason[:1].lower() + reason[1:]
    if found and found.group(1):
        return f"{name}, line {found.group(1)}", f"not valid TOML at column {found.group(2)}: {reason}"
    last = max(1, len(text.rstrip("\n").split("\n")))
    return f"{name}, line {last}", f"not valid TOML at the end of the file: {reason}"


def parse_toml(text: str, error: ConfigError, name: str = "file") -> dict[str, Any]:
    """``tomllib.loads`` whose every failure is ``error`` naming the problem; ``name`` says which file
    ("ICP file") in the messages about the file as a whole."""
    if len(text) > MAX_TEXT_CHARS:
        raise error(name, f"is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(*_syntax(text, exc, name)) from None
    except RecursionError:
        raise error(name, "nested too deeply") from None
    except ValueError:  # an integer over Python's 4,300-digit conversion limit
        raise error(name, "not valid TOML: a number has too many digits") from None
    check_values(data, error, name)
    return data
