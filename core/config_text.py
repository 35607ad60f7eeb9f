"""Reading an admin's TOML configuration text (the ICP, the routing rules) without surprises.

``parse_toml`` is ``tomllib.loads`` whose every failure is the caller's error type naming the problem:
too long, not TOML, nested too deeply, an integer with thousands of digits, NaN or infinity anywhere.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from typing import Any

MAX_TEXT_CHARS = 400_000  # a configuration file longer than this is refused, never cut
MAX_NUMBER = 10**15  # no count, weight, capacity or amount in a configuration comes near it

# The caller's error type: built from the offending key and the problem, e.g. IcpError(key, problem).
ConfigError = Callable[[str, str], ValueError]


def check_values(data: Any, error: ConfigError) -> None:
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
            raise error(where or "(file)", f"must be a finite number, got {node}")
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_NUMBER:
            raise error(where or "(file)", f"is out of range (at most {MAX_NUMBER:.0e} in size)")


def parse_toml(text: str, error: ConfigError) -> dict[str, Any]:
    """``tomllib.loads`` whose every failure is ``error`` naming the problem."""
    if len(text) > MAX_TEXT_CHARS:
        raise error("(file)", f"is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error("(file)", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise error("(file)", "nested too deeply") from None
    except ValueError:  # an integer over Python's 4,300-digit conversion limit
        raise error("(file)", "not valid TOML: a number has too many digits") from None
    check_values(data, error)
    return data
