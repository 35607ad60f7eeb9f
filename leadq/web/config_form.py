"""The common ICP and routing fields as a form: read from the TOML, written back into it.

The form edits only its own keys; everything else in the file is kept (re-serialised, so comments
are lost: the page says so). A tiny TOML writer covers what leadq's files hold: strings, numbers,
booleans, lists of those, and nested tables.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from routing.types import STEPS as ROUTING_STEPS

PIPES = ("ae", "sdr", "all", "nurture")
STEPS = tuple(ROUTING_STEPS)
TIERS = ("L1", "L2", "L3", "L4")
EMPLOYEE_FIELDS = ("employees_min", "ideal_from", "ideal_to", "employees_max")


class FieldErrors(ValueError):
    """Values typed into the form that its fields do not take: the problem by field name."""

    def __init__(self, fields: dict[str, str], text: str | None = None) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields = fields
        self.text = text  # the file with the other fields written in, to check them too


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character (DEL too) escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    """One TOML value; tables inside values (``[[reps]]``, ``working_hours = { ... }``) are written
    inline, which TOML reads back as the same data."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _key(name: str) -> str:
    return name if name and set(name) <= BARE else _string(name)


def dumps(data: Mapping[str, Any], prefix: str = "") -> str:
    """TOML for ``data``: a table's own values under its header, then its sub-tables."""
    lines: list[str] = []
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    if prefix and (scalars or not tables):
        lines += ["", f"[{prefix}]"]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in scalars]
    for name, table in tables:
        lines.append(dumps(table, f"{prefix}.{_key(name)}" if prefix else _key(name)).rstrip("\n"))
    return "\n".join(lines).strip("\n") + "\n"


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def icp_fields(text: str) -> dict[str, Any]:
    """The form's ICP fields as ``text`` (merged over the default) sets them."""
    from scoring.icp import default_icp_text

    merged = tomllib.loads(default_icp_text())
    own = tomllib.loads(text or "")
    firm = {**merged.get("firmographics", {}), **own.get("firmographics", {})}
    employees = {
        **merged["firmographics"].get("employees", {}),
        **(own.get("firmographics", {}).get("employees", {})),
    }
    return {
        "industries": ", ".join(firm.get("target_industries", [])),
        "countries": ", ".join(firm.get("countries", [])),
        "employees_min": employees.get("min", ""),
        "ideal_from": (employees.get("ideal") or ["", ""])[0],
        "ideal_to": (employees.get("ideal") or ["", ""])[1],
        "employees_max": employees.get("max", ""),
        # Not a form field: the help beside the size says which number disqualifies.
        "dq_min_employees": {**merged.get("disqualifiers", {}), **own.get("disqualifiers", {})}.get(
            "min_employees", ""
        ),
    }


def apply_icp(text: str, form: Mapping[str, str]) -> str:
    """``text`` with the form's ICP fields written into it; FieldErrors names each field whose value
    is not a whole number."""
    data = tomllib.loads(text or "")
    firm = data.setdefault("firmographics", {})
    if not isinstance(firm, dict) or not isinstance(firm.setdefault("employees", {}), dict):
        raise ValueError("firmographics and firmographics.employees must be tables")
    firm["target_industries"] = _split(form.get("industries", ""))
    firm["countries"] = [c.upper() for c in _split(form.get("countries", ""))]
    employees = firm.setdefault("employees", {})
    current = icp_fields(text)
    # a count typed wrong keeps the file's value (or the default's), so the other fields are still checked
    counts = {name: current[name] for name in EMPLOYEE_FIELDS}
    problems = {}
    for name in EMPLOYEE_FIELDS:
        typed = (form.get(name) or "").strip().replace(",", "").replace("_", "")
        try:
            counts[name] = int(typed or 0)
        except ValueError:
            problems[name] = f"must be a whole number of employees, you typed {form.get(name)!r}"
    employees["min"] = counts["employees_min"]
    employees["ideal"] = [counts["ideal_from"], counts["ideal_to"]]
    employees["max"] = counts["employees_max"]
    if problems:
        raise FieldErrors(problems, dumps(data))
    return dumps(data)


def typed_fields(form: Mapping[str, str]) -> dict[str, Any]:
    """The form's fields as the admin typed them (shown again when the form is refused)."""
    return {
        **{name: form.get(name, "") for name in ("industries", "countries", *EMPLOYEE_FIELDS)},
        "steps": {s: form.get(f"step_{s}") == "on" for s in STEPS},
        "pools": {tier: form.get(f"pool_{tier}", "") for tier in TIERS},
    }


def routing_fields(text: str) -> dict[str, Any]:
    """The form's routing fields (steps switched on, each tier's pool) as ``text`` sets them."""
    from routing.config import default_text

    merged = tomllib.loads(default_text())
    own = tomllib.loads(text or "")
    steps = {**merged.get("steps", {}), **own.get("steps", {})}
    pools = {**merged.get("pools", {}), **own.get("pools", {})}
    return {"steps": {s: bool(steps.get(s, True)) for s in STEPS}, "pools": pools}


def apply_routing(text: str, form: Mapping[str, str]) -> str:
    """``text`` with the form's routing fields written into it; FieldErrors names a pool not offered."""
    data = tomllib.loads(text or "")
    data["steps"] = {s: form.get(f"step_{s}") == "on" for s in STEPS}
    pools = data.setdefault("pools", {})
    if not isinstance(pools, dict):
        raise ValueError("pools must be a table")
    problems = {}
    for tier in TIERS:
        choice = form.get(f"pool_{tier}", "")
        if choice not in PIPES:
            problems[f"pool_{tier}"] = f"pools.{tier}: choose one of {', '.join(PIPES)}, got {choice!r}"
        pools[tier] = choice
    if problems:
        raise FieldErrors(problems)
    return dumps(data)
