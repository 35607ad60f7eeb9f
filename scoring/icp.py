"""The ideal customer profile: parsed from TOML, validated, errors name the key.

``load_icp(text)`` merges the admin's file over the shipped default, so a short
file that only lists competitor domains is a complete ICP.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from typing import Any

from core.config_text import MAX_NUMBER, ConfigProblem, Problems, parse_toml
from scoring import monotone as monotone_option
from scoring.countries import country_problem
from scoring.families import FAMILIES as MODEL_FAMILIES
from scoring.learning import Learning
from scoring.titles import FUNCTIONS, SENIORITIES
from scoring.verdicts import Thresholds


class IcpError(ConfigProblem):
    """The ICP file is invalid; the message starts with the offending key (``problems``: all of them)."""


@dataclass(frozen=True, slots=True)
class Requalify:
    """The ICP's ``[requalify]`` table: when a lead that crosses into L1/L2 is flagged as re-qualified
    (``scoring/requalify.py``)."""

    dormant_days: int = 90  # silent at least this long, then engaging again: "re-engaged"
    engaged_contacts: int = 2  # a new contact at an account with at least this many other engaged ones


@dataclass(frozen=True)
class Icp:
    target_industries: tuple[str, ...]
    industry_synonyms: dict[str, tuple[str, ...]]
    countries: frozenset[str]
    regions: frozenset[str]
    tech_stack: frozenset[str]
    employees_min: int
    employees_ideal: tuple[int, int]
    employees_max: int
    revenue_ideal: tuple[float, float]
    seniority_weights: dict[str, float]
    function_weights: dict[str, float]
    buying_committee: frozenset[str]
    dq_free_email: bool
    extra_free_domains: frozenset[str]
    dq_student_email: bool
    competitor_domains: frozenset[str]
    dq_job_seekers: bool
    dq_interns: bool
    dq_min_employees: int
    countries_not_served: frozenset[str]
    half_life_days: float
    engagement_weights: dict[str, float]
    engagement_saturation: float
    blend_fit: float
    blend_engagement: float
    tier_thresholds: tuple[float, float, float]
    min_outcomes: int
    min_wins: int
    verdicts: Thresholds = field(default_factory=Thresholds)
    requalify: Requalify = field(default_factory=Requalify)
    learning: Learning = field(default_factory=Learning)  # [learning]: what reps' feedback teaches
    # ``[model] monotone``: feature -> +1 (more never lowers the model's score) or -1 (scoring/monotone.py).
    monotone: Mapping[str, int] = field(default_factory=dict)
    # ``[model] families``: the model families the gate may choose from (scoring/family_gate.py), and
    # the outcomes the boosted family needs before it is tried.
    families: tuple[str, ...] = ("logistic", "boosted")
    boosted_min_outcomes: int = 1000
    # The ``[monitoring]`` table as written (alarm thresholds): ``monitoring.thresholds.parse`` reads
    # and validates it (scoring does not import monitoring). Not part of ``source_hash``.
    monitoring: Mapping[str, object] = field(default_factory=dict)
    source_hash: str = ""
    _industry_index: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def industry_of(self, text: str | None) -> str | None:
        """Canonical industry for a CRM value (synonyms, case and punctuation folded)."""
        if not text:
            return None
        return self._industry_index.get(_fold(text))


@lru_cache(maxsize=16384)
def _fold(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("&", "and").split())


@lru_cache(maxsize=1)
def default_icp_text() -> str:
    return resources.files("scoring.data").joinpath("default_icp.toml").read_text(encoding="utf-8")


def _merge(
    base: dict[str, Any], override: dict[str, Any], problems: Problems, path: str = ""
) -> dict[str, Any]:
    """``override`` over ``base``; an unknown key or a value where a table belongs is noted in
    ``problems`` and left out, so the rest of the file is still checked."""
    merged = dict(base)
    for key, value in override.items():
        where = f"{path}{key}"
        if key not in base and path not in ("firmographics.industry_synonyms.", "model.monotone."):
            problems.add(where, "unknown key")
            continue
        if isinstance(base.get(key), dict) and not isinstance(value, dict):
            problems.add(where, f"must be a table ([{where}]), got {_kind(value)}")
            continue
        if (
            isinstance(value, dict)
            and isinstance(base.get(key), dict)
            and key not in ("seniority", "function")
        ):
            merged[key] = _merge(base[key], value, problems, where + ".")
        elif isinstance(value, dict) and key in ("seniority", "function"):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def _get(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise IcpError(key, "is missing or not inside a table")
        node = node[part]
    return node


def _kind(value: Any) -> str:
    return {dict: "a table", list: "an array", str: "a string", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _number(data: dict[str, Any], key: str, low: float | None = None, high: float | None = None) -> float:
    value = _get(data, key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        raise IcpError(key, f"must be a finite number, got {_shown(value)}")
    if low is not None and high is not None and not low <= value <= high:
        raise IcpError(key, f"must be between {low:g} and {high:g}, got {value}")
    if low is not None and value < low:
        raise IcpError(key, f"must be at least {low:g}, got {value}")
    if high is not None and value > high:
        raise IcpError(key, f"must be at most {high:g}, got {value}")
    return float(value)


def _finite(value: float) -> bool:
    """NaN passes every < and > check, so ranges test this first."""
    return math.isfinite(value) and abs(value) <= MAX_NUMBER


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _strings(data: dict[str, Any], key: str) -> list[str]:
    value = _get(data, key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise IcpError(key, "must be a list of strings")
    return value


def _families(data: dict[str, Any]) -> list[str]:
    names = _strings(data, "model.families")
    unknown = [n for n in names if n not in MODEL_FAMILIES]
    if unknown or not names:
        raise IcpError(
            "model.families",
            f"must list one or more of {', '.join(MODEL_FAMILIES)}"
            + (f"; unknown: {', '.join(map(repr, unknown))}" if unknown else ""),
        )
    return list(dict.fromkeys(names))


def _flag(data: dict[str, Any], key: str) -> bool:
    value = _get(data, key)
    if not isinstance(value, bool):
        raise IcpError(key, f"must be true or false, got {value!r}")
    return value


def _whole(data: dict[str, Any], key: str, low: int, high: int) -> int:
    value = _get(data, key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise IcpError(key, f"must be a whole number from {low:,} to {high:,}, got {_shown(value)}")
    return value


def _band(data: dict[str, Any], key: str) -> tuple[float, float]:
    value = _get(data, key)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and _finite(v) for v in value)
    ):
        raise IcpError(key, "must be a list of two finite numbers [low, high]")
    if value[0] > value[1] or value[0] < 0:
        raise IcpError(key, f"low must not exceed high and both must be >= 0, got {value}")
    return float(value[0]), float(value[1])


def _weights(data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> dict[str, float]:
    value = _get(data, key)
    if not isinstance(value, dict):
        raise IcpError(key, "must be a table of name = weight")
    out = {}
    for name, weight in value.items():
        if name not in allowed:
            raise IcpError(f"{key}.{name}", f"unknown name; use one of {', '.join(allowed)}")
        high = 1.0 if key.startswith("persona") else None
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not _finite(weight):
            raise IcpError(f"{key}.{name}", f"must be a finite number, got {_shown(weight)}")
        if weight < 0 or (high is not None and weight > high):
            allowed_range = "between 0 and 1" if high is not None else "0 or more"
            raise IcpError(f"{key}.{name}", f"must be {allowed_range}, got {weight}")
        out[name] = float(weight)
    return out


ENGAGEMENT_KINDS = (
    "site_visit",
    "page_view",
    "email_open",
    "email_click",
    "form_submission",
    "meeting",
    "tool_point",
)


def _synonyms(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    raw = _get(data, "firmographics.industry_synonyms")
    if not isinstance(raw, dict):
        raise IcpError("firmographics.industry_synonyms", "must be a table of industry = [names]")
    synonyms = {}
    for name, names in raw.items():  # names may hold dots: no _get here
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise IcpError(f"firmographics.industry_synonyms.{name}", "must be a list of strings")
        synonyms[name] = tuple(names)
    return synonyms


def _targets(data: dict[str, Any], synonyms: dict[str, tuple[str, ...]], problems: Problems) -> list[str]:
    targets: list[str] = problems.check(lambda: _strings(data, "firmographics.target_industries"), [])
    unknown = [t for t in targets if t not in synonyms]
    if unknown and synonyms:
        named = ", ".join(repr(t) for t in unknown)
        verb = "is not an industry" if len(unknown) == 1 else "are not industries"
        problems.add(
            "firmographics.target_industries",
            f"{named} {verb} of this ICP; use one of {', '.join(synonyms)} "
            "(or define a new one under [firmographics.industry_synonyms])",
        )
    return targets


def _codes(data: dict[str, Any], key: str, problems: Problems) -> list[str]:
    """Country codes, upper-cased; every one that is not two letters is a problem."""
    codes: list[str] = problems.check(lambda: _strings(data, key), [])
    for code in codes:
        if problem := country_problem(code):
            problems.add(key, problem)
    return [c.upper() for c in codes]


def _employees(data: dict[str, Any], problems: Problems) -> tuple[int, tuple[int, int], int]:
    emp_min = problems.check(lambda: int(_number(data, "firmographics.employees.min", 0)), None)
    emp_max = problems.check(lambda: int(_number(data, "firmographics.employees.max", 1)), None)
    ideal = problems.check(lambda: _band(data, "firmographics.employees.ideal"), None)
    if emp_min is None or emp_max is None or ideal is None:
        return 0, (0, 0), 0  # a problem is noted already
    if not emp_min <= ideal[0] <= ideal[1] <= emp_max:
        problems.add(
            "firmographics.employees.ideal",
            f"must lie within min and max ({emp_min:,} to {emp_max:,}), "
            f"got {ideal[0]:,.0f} to {ideal[1]:,.0f}",
        )
    return emp_min, (int(ideal[0]), int(ideal[1])), emp_max


def _blend(data: dict[str, Any], problems: Problems) -> tuple[float, float]:
    fit = problems.check(lambda: _number(data, "blend.fit", 0, 1), None)
    engagement = problems.check(lambda: _number(data, "blend.engagement", 0, 1), None)
    if fit is None or engagement is None:
        return 0.0, 0.0
    if abs(fit + engagement - 1.0) > 1e-6:
        problems.add(
            "blend", f"fit + engagement must be 1, got {fit:g} + {engagement:g} = {fit + engagement:g}"
        )
    return fit, engagement


def _tiers(data: dict[str, Any], problems: Problems) -> tuple[float, float, float]:
    l1, l2, l3 = (
        problems.check(partial(_number, data, f"tiers.{t}", 0, 100), -1.0) for t in ("L1", "L2", "L3")
    )
    if min(l1, l2, l3) >= 0 and not l1 > l2 > l3:
        problems.add(
            "tiers", f"thresholds must be strictly decreasing: L1 > L2 > L3, got {l1:g}, {l2:g}, {l3:g}"
        )
    return l1, l2, l3


def _requalify(data: dict[str, Any], problems: Problems) -> Requalify:
    return Requalify(
        dormant_days=problems.check(lambda: _whole(data, "requalify.dormant_days", 1, 3650), 0),
        engaged_contacts=problems.check(lambda: _whole(data, "requalify.engaged_contacts", 1, 1000), 0),
    )


def _learning(data: dict[str, Any], problems: Problems) -> Learning:
    return Learning(
        use_overrides=problems.check(lambda: _flag(data, "learning.use_overrides"), False),
        rejected_weight=problems.check(lambda: _number(data, "learning.rejected_weight", 0, 1), 0.0),
        upgrade_weight=problems.check(lambda: _number(data, "learning.upgrade_weight", 0, 1), 0.0),
    )


def load_icp(text: str | None = None) -> Icp:
    """Parse and validate an ICP TOML text (None: the shipped default); an invalid file raises one
    IcpError whose ``problems`` lists every problem found."""
    problems = Problems(IcpError)
    base = tomllib.loads(default_icp_text())
    override = parse_toml(text, IcpError, "ICP file") if text else {}
    monitoring = override.pop("monitoring", {})
    if not isinstance(monitoring, dict):
        problems.add("monitoring", f"must be a table ([monitoring]), got {_kind(monitoring)}")
        monitoring = {}
    data = _merge(base, override, problems) if text else base
    synonyms: dict[str, tuple[str, ...]] = problems.check(lambda: _synonyms(data), {})
    targets = _targets(data, synonyms, problems)
    emp_min, ideal, emp_max = _employees(data, problems)
    fit, engagement = _blend(data, problems)
    tiers = _tiers(data, problems)
    countries = _codes(data, "firmographics.countries", problems)
    not_served = _codes(data, "disqualifiers.countries_not_served", problems)

    def get(call: Any, fallback: Any) -> Any:
        return problems.check(call, fallback)

    index = {_fold(name): canonical for canonical, names in synonyms.items() for name in (canonical, *names)}
    icp = Icp(
        target_industries=tuple(targets),
        industry_synonyms=synonyms,
        countries=frozenset(countries),
        regions=frozenset(r.lower() for r in get(lambda: _strings(data, "firmographics.regions"), [])),
        tech_stack=frozenset(t.lower() for t in get(lambda: _strings(data, "firmographics.tech_stack"), [])),
        employees_min=emp_min,
        employees_ideal=ideal,
        employees_max=emp_max,
        revenue_ideal=get(lambda: _band(data, "firmographics.revenue.ideal"), (0.0, 0.0)),
        seniority_weights=get(lambda: _weights(data, "persona.seniority", SENIORITIES), {}),
        function_weights=get(lambda: _weights(data, "persona.function", FUNCTIONS), {}),
        buying_committee=frozenset(get(lambda: _strings(data, "persona.buying_committee"), [])),
        dq_free_email=get(lambda: _flag(data, "disqualifiers.free_email"), False),
        extra_free_domains=frozenset(
            d.lower() for d in get(lambda: _strings(data, "disqualifiers.extra_free_email_domains"), [])
        ),
        dq_student_email=get(lambda: _flag(data, "disqualifiers.student_email"), False),
        competitor_domains=frozenset(
            d.lower() for d in get(lambda: _strings(data, "disqualifiers.competitor_domains"), [])
        ),
        dq_job_seekers=get(lambda: _flag(data, "disqualifiers.job_seeker_titles"), False),
        dq_interns=get(lambda: _flag(data, "disqualifiers.intern_titles"), False),
        dq_min_employees=int(get(lambda: _number(data, "disqualifiers.min_employees", 0), 0)),
        countries_not_served=frozenset(not_served),
        half_life_days=get(lambda: _number(data, "engagement.half_life_days", 0.5, 3650), 1.0),
        engagement_weights=get(lambda: _weights(data, "engagement.weights", ENGAGEMENT_KINDS), {}),
        engagement_saturation=get(lambda: _number(data, "engagement.saturation", 1), 1.0),
        blend_fit=fit,
        blend_engagement=engagement,
        tier_thresholds=tiers,
        min_outcomes=int(get(lambda: _number(data, "model.min_outcomes", 1), 1)),
        min_wins=int(get(lambda: _number(data, "model.min_wins", 1), 1)),
        verdicts=Thresholds(
            sales_ready_min_engagement=get(
                lambda: _number(data, "verdicts.sales_ready_min_engagement", 0, 100), 0.0
            ),
            l2_sales_ready_fit=get(lambda: _number(data, "verdicts.l2_sales_ready_fit", 0, 100), 0.0),
            l2_sales_ready_engagement=get(
                lambda: _number(data, "verdicts.l2_sales_ready_engagement", 0, 100), 0.0
            ),
        ),
        requalify=_requalify(data, problems),
        learning=_learning(data, problems),
        monotone=monotone_option.parse(data.get("model", {}).get("monotone", {}), problems),
        families=tuple(get(lambda: _families(data), ["logistic"])),
        boosted_min_outcomes=int(get(lambda: _number(data, "model.boosted_min_outcomes", 1), 1000)),
        monitoring=monitoring,
        source_hash=hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16],
        _industry_index=index,
    )
    problems.raise_any()
    return icp
