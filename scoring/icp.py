"""The ideal customer profile: parsed from TOML, validated, errors name the key.

``load_icp(text)`` merges the admin's file over the shipped default, so a short
file that only lists competitor domains is a complete ICP.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from core.config_text import MAX_NUMBER, parse_toml
from scoring.titles import FUNCTIONS, SENIORITIES
from scoring.verdicts import Thresholds


class IcpError(ValueError):
    """The ICP file is invalid; the message starts with the offending key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key


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


def _merge(base: dict[str, Any], override: dict[str, Any], path: str = "") -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        where = f"{path}{key}"
        if key not in base and path not in ("firmographics.industry_synonyms.",):
            raise IcpError(where, "unknown key")
        if isinstance(base.get(key), dict) and not isinstance(value, dict):
            raise IcpError(where, f"must be a table ([{where}]), got {_kind(value)}")
        if (
            isinstance(value, dict)
            and isinstance(base.get(key), dict)
            and key not in ("seniority", "function")
        ):
            merged[key] = _merge(base[key], value, where + ".")
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
    if (low is not None and value < low) or (high is not None and value > high):
        raise IcpError(key, f"must be between {low} and {high}, got {value}")
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


def _flag(data: dict[str, Any], key: str) -> bool:
    value = _get(data, key)
    if not isinstance(value, bool):
        raise IcpError(key, f"must be true or false, got {value!r}")
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
            raise IcpError(
                f"{key}.{name}", f"must be between 0 and {high if high is not None else 'any'}, got {weight}"
            )
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


def load_icp(text: str | None = None) -> Icp:
    """Parse and validate an ICP TOML text (None: the shipped default)."""
    base = tomllib.loads(default_icp_text())
    data = _merge(base, parse_toml(text, IcpError)) if text else base
    synonyms = _synonyms(data)
    targets = _strings(data, "firmographics.target_industries")
    for target in targets:
        if target not in synonyms:
            raise IcpError("firmographics.target_industries", f"{target!r} has no entry in industry_synonyms")
    emp_min = int(_number(data, "firmographics.employees.min", 0))
    emp_max = int(_number(data, "firmographics.employees.max", 1))
    ideal = _band(data, "firmographics.employees.ideal")
    if not emp_min <= ideal[0] <= ideal[1] <= emp_max:
        raise IcpError("firmographics.employees.ideal", "must lie within [min, max]")
    fit = _number(data, "blend.fit", 0, 1)
    engagement = _number(data, "blend.engagement", 0, 1)
    if abs(fit + engagement - 1.0) > 1e-6:
        raise IcpError("blend", f"fit + engagement must be 1, got {fit + engagement}")
    tiers = (
        _number(data, "tiers.L1", 0, 100),
        _number(data, "tiers.L2", 0, 100),
        _number(data, "tiers.L3", 0, 100),
    )
    if not tiers[0] > tiers[1] > tiers[2]:
        raise IcpError("tiers", "thresholds must be strictly decreasing: L1 > L2 > L3")
    countries = [c.upper() for c in _strings(data, "firmographics.countries")]
    for code in countries + [c.upper() for c in _strings(data, "disqualifiers.countries_not_served")]:
        if len(code) != 2 or not code.isalpha():
            raise IcpError("firmographics.countries", f"{code!r} is not an ISO 3166 alpha-2 code")
    index = {_fold(name): canonical for canonical, names in synonyms.items() for name in (canonical, *names)}
    return Icp(
        target_industries=tuple(targets),
        industry_synonyms=synonyms,
        countries=frozenset(countries),
        regions=frozenset(r.lower() for r in _strings(data, "firmographics.regions")),
        tech_stack=frozenset(t.lower() for t in _strings(data, "firmographics.tech_stack")),
        employees_min=emp_min,
        employees_ideal=(int(ideal[0]), int(ideal[1])),
        employees_max=emp_max,
        revenue_ideal=_band(data, "firmographics.revenue.ideal"),
        seniority_weights=_weights(data, "persona.seniority", SENIORITIES),
        function_weights=_weights(data, "persona.function", FUNCTIONS),
        buying_committee=frozenset(_strings(data, "persona.buying_committee")),
        dq_free_email=_flag(data, "disqualifiers.free_email"),
        extra_free_domains=frozenset(
            d.lower() for d in _strings(data, "disqualifiers.extra_free_email_domains")
        ),
        dq_student_email=_flag(data, "disqualifiers.student_email"),
        competitor_domains=frozenset(d.lower() for d in _strings(data, "disqualifiers.competitor_domains")),
        dq_job_seekers=_flag(data, "disqualifiers.job_seeker_titles"),
        dq_interns=_flag(data, "disqualifiers.intern_titles"),
        dq_min_employees=int(_number(data, "disqualifiers.min_employees", 0)),
        countries_not_served=frozenset(
            c.upper() for c in _strings(data, "disqualifiers.countries_not_served")
        ),
        half_life_days=_number(data, "engagement.half_life_days", 0.5, 3650),
        engagement_weights=_weights(data, "engagement.weights", ENGAGEMENT_KINDS),
        engagement_saturation=_number(data, "engagement.saturation", 1),
        blend_fit=fit,
        blend_engagement=engagement,
        tier_thresholds=tiers,
        min_outcomes=int(_number(data, "model.min_outcomes", 1)),
        min_wins=int(_number(data, "model.min_wins", 1)),
        verdicts=Thresholds(
            sales_ready_min_engagement=_number(data, "verdicts.sales_ready_min_engagement", 0, 100),
            l2_sales_ready_fit=_number(data, "verdicts.l2_sales_ready_fit", 0, 100),
            l2_sales_ready_engagement=_number(data, "verdicts.l2_sales_ready_engagement", 0, 100),
        ),
        source_hash=hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16],
        _industry_index=index,
    )
