"""When monitoring raises an alarm: the thresholds, with documented defaults (docs/monitoring.md).

They are read from the ``[monitoring]`` table of the installation's ICP file (``Icp.monitoring``, the
raw table: scoring cannot import monitoring). ``parse(raw)`` gives the thresholds and every problem
found (an unknown key, a value of the wrong kind or out of range), each naming its key
(``monitoring.score_psi``); ``check(raw)`` raises them as one ``MonitoringConfigError``. The alarm
webhook URL is not here: it is a secret, kept encrypted (``leadq alarms webhook``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from core.config_text import ConfigProblem

KINDS = (
    "score_drift",
    "input_drift",
    "missing_rate",
    "tier_inflation",
    "calibration",
    "lift",
    "top30_capture",
    "parked_share",
    "sla_breaches",
    "inactive_owner",
    "fairness_drift",
    "multiplier_bounds",
)


class MonitoringConfigError(ConfigProblem):
    """The ``[monitoring]`` table is invalid; ``problems`` lists every problem found."""


@dataclass(frozen=True)
class Thresholds:
    """Each alarm's threshold and the sample it needs before it may fire (noise never does)."""

    score_psi: float = 0.25  # score PSI, week over week or against the training window, above this
    input_psi: float = 0.25  # any model input's PSI above this
    missing_rise: float = 0.20  # a field's empty share up by at least this (0.20 = 20 points)
    tier_inflation: bool = True  # alarm when L1+L2's share rises without conversions rising
    ece: float = 0.10  # the page flags an expected calibration error above this
    calibration_shift: float = 0.08  # recent leads' won-minus-predicted moved by more than this
    lift_l1_over_l4: float = 2.0  # L1's conversion over L4's below this
    top30_capture: float = 0.60  # the bar the page draws for the top 30%'s share of conversions
    top30_drop: float = 0.10  # that share down by more than this from the model's held-out figure
    min_outcomes: int = 200  # decided outcomes (won or lost) before calibration, lift, capture alarm
    min_wins: int = 20  # won outcomes before lift and capture alarm
    min_records: int = 500  # scored records before the drift alarms may fire
    parked_share: float = 0.10  # share of decisions parked in fallback queues above this
    min_decisions: int = 50  # routing decisions before the parked-share alarm
    sla_breaches: int = 10  # SLA breaches (last 4 weeks) above this, and ...
    sla_breach_share: float = 0.20  # ... above this share of the routing decisions
    inactive_owner_leads: int = 1  # open leads owned by an inactive rep, at least this
    fairness: bool = True  # alarm on a rep outside the weight tolerance or a multiplier outside its bounds
    min_ledger_leads: int = 30  # a rep's leads in a pool before their fairness drift may fire
    off: frozenset[str] = frozenset()  # alarm kinds switched off

    def enabled(self, kind: str) -> bool:
        return kind not in self.off


DEFAULTS = Thresholds()
_SHARES = (
    "missing_rise",
    "ece",
    "calibration_shift",
    "top30_capture",
    "top30_drop",
    "parked_share",
    "sla_breach_share",
)  # 0-1
_PSI = ("score_psi", "input_psi")
PSI_MAX = 2.0  # a PSI threshold above this would never fire (PSI above about 1 is a different population)
_COUNTS = (
    "min_outcomes",
    "min_wins",
    "min_records",
    "min_decisions",
    "sla_breaches",
    "inactive_owner_leads",
    "min_ledger_leads",
)
_FLAGS = ("tier_inflation", "fairness")


def _share(percent: float) -> str:
    """A percentage as the share to write: 20 -> "0.20", 1.5 -> "0.015"."""
    return f"{percent / 100:.2f}" if percent == int(percent) else f"{percent / 100:g}"


def _value(key: str, value: object) -> object:
    """The value of one key, or a MonitoringConfigError naming it."""
    where = f"monitoring.{key}"
    if key in _FLAGS:
        if not isinstance(value, bool):
            raise MonitoringConfigError(where, "must be true or false")
        return value
    if key == "off":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise MonitoringConfigError(where, f"must be a list of alarm kinds ({', '.join(KINDS)})")
        unknown = [v for v in value if v not in KINDS]
        if unknown:
            raise MonitoringConfigError(
                where, f"{', '.join(map(repr, unknown))}: not an alarm kind; use {', '.join(KINDS)}"
            )
        return frozenset(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MonitoringConfigError(where, "must be a number")
    if key in _COUNTS:
        if value != int(value) or not 0 <= value <= 10**9:
            raise MonitoringConfigError(where, "must be a whole number, 0 or more")
        return int(value)
    if key in _PSI:
        if not 0 < value <= PSI_MAX:
            raise MonitoringConfigError(
                where,
                f"must be above 0 and at most {PSI_MAX:g} (usually 0.1 to 0.5; a PSI above about 1 "
                "hardly ever happens, so a higher threshold would switch the alarm off: use "
                f'off = ["{key.removesuffix("_psi")}_drift"] for that)',
            )
        return float(value)
    high = 1.0 if key in _SHARES else 100.0
    if not 0 < value <= high:
        percent = (
            f" (a share: write {_share(value)} for {value:g} points)"
            if key in _SHARES and 1 < value <= 100
            else ""
        )
        raise MonitoringConfigError(where, f"must be above 0 and at most {high:g}{percent}")
    return float(value)


def parse(raw: Mapping[str, object] | None) -> tuple[Thresholds, list[ConfigProblem]]:
    """The thresholds of a ``[monitoring]`` table (None or empty: the defaults) and its problems; a
    key with a problem keeps its default."""
    known = {f.name for f in fields(Thresholds)}
    problems: list[ConfigProblem] = []
    changes: dict[str, object] = {}
    for key, value in (raw or {}).items():
        if key == "webhook":
            problems.append(
                MonitoringConfigError(
                    "monitoring.webhook",
                    "the webhook URL is a secret and is not kept in this file: set it with "
                    "`leadq alarms webhook INSTALLATION URL`",
                )
            )
        elif key not in known:
            problems.append(MonitoringConfigError(f"monitoring.{key}", "unknown key"))
        else:
            try:
                changes[key] = _value(key, value)
            except MonitoringConfigError as exc:
                problems.append(exc)
    return replace(DEFAULTS, **changes), problems  # type: ignore[arg-type]


def check(raw: Mapping[str, object] | None) -> Thresholds:
    """The thresholds, or one MonitoringConfigError listing every problem (as ``Problems`` does)."""
    thresholds, problems = parse(raw)
    if problems:
        first = problems[0]
        combined = MonitoringConfigError(first.key, first.problem)
        combined.args = ("\n".join(str(p) for p in problems),)
        combined.problems = problems
        raise combined
    return thresholds
