"""The ICP rule score: works with zero history, and is additive so its reasons are exact.

fit = 50 + sum over components of weight * (value - 0.5), where each component's
value is in [0, 1] and 0.5 means "unknown". Each component's term is its reason.
"""

from __future__ import annotations

import math

from core.records import Reason
from scoring.features import PersonFeatures
from scoring.icp import Icp
from scoring.wording import counted

WEIGHTS = {
    "persona": 30.0,
    "industry": 20.0,
    "size": 20.0,
    "country": 10.0,
    "email": 10.0,
    "revenue": 5.0,
    "tech": 5.0,
}
SENIORITY_WORDS = {
    "c_level": "C-level",
    "vp": "VP-level",
    "head": "head-of-department",
    "director": "director-level",
    "manager": "manager-level",
    "individual": "individual-contributor",
}
FUNCTION_WORDS = {
    "sales": "sales",
    "revops": "revenue operations",
    "marketing": "marketing",
    "executive": "executive",
    "customer_success": "customer success",
    "product": "product",
    "it": "IT",
    "engineering": "engineering",
    "finance": "finance",
    "hr": "HR",
    "operations": "operations",
    "legal": "legal",
    "education": "education",
    "other": "other",
}


def _band_value(value: float | None, low_bad: float, ideal: tuple[float, float], high_bad: float) -> float:
    """1 inside the ideal band, falling on a log scale to 0 at the outer limits; 0.5 when unknown."""
    if value is None:
        return 0.5
    if ideal[0] <= value <= ideal[1]:
        return 1.0
    v = math.log10(max(value, 1.0))
    if value < ideal[0]:
        lo, hi = math.log10(max(low_bad, 1.0)), math.log10(max(ideal[0], 1.0))
        return 0.0 if hi <= lo else max(0.0, min(1.0, (v - lo) / (hi - lo)))
    lo, hi = math.log10(max(ideal[1], 1.0)), math.log10(max(high_bad, 1.0))
    return 0.0 if hi <= lo else max(0.0, min(1.0, 1.0 - (v - lo) / (hi - lo)))


def _size_words(employees: int) -> str:
    return f"{employees:,}-person"


EMAIL_VALUE = {"business": 1.0, "role": 0.6, "free": 0.15, "edu": 0.0, "invalid": 0.1, "missing": 0.35}


def component_values(f: PersonFeatures, icp: Icp) -> dict[str, float]:
    """Each component's value in [0, 1]; 0.5 means unknown."""
    s = f.title.seniority
    persona = (
        0.5
        if s == "unknown"
        else (0.6 * icp.seniority_weights.get(s, 0.2) + 0.4 * icp.function_weights.get(f.title.function, 0.2))
    )
    industry = 0.5 if f.industry is None else (1.0 if f.industry in icp.target_industries else 0.15)
    country = 0.5 if f.country is None else (1.0 if f.country in icp.countries else 0.1)
    if country == 1.0 and icp.regions and f.region and f.region.lower() not in icp.regions:
        country = 0.4  # a served country, but outside the regions the ICP lists
    return {
        "persona": persona,
        "industry": industry,
        "size": _band_value(f.employees, icp.employees_min, icp.employees_ideal, icp.employees_max),
        "country": country,
        "email": EMAIL_VALUE[f.email.kind],
        "revenue": _band_value(
            f.revenue, icp.revenue_ideal[0] / 20, icp.revenue_ideal, icp.revenue_ideal[1] * 20
        ),
        "tech": 0.5 if f.tech_matches is None else min(1.0, 0.3 + 0.35 * f.tech_matches),
    }


def component_text(name: str, value: float, f: PersonFeatures, icp: Icp) -> str:
    """The sentence that explains one component for this person."""
    if name == "persona":
        s = f.title.seniority
        if s == "unknown":
            return "job title unknown"
        level = SENIORITY_WORDS.get(s, s.replace("_", " "))
        return f"{level} {FUNCTION_WORDS.get(f.title.function, '')} buyer".replace("  ", " ")
    if name == "industry":
        if f.industry is None:
            return "industry unknown"
        if value == 1.0:
            return f"target industry ({f.industry.replace('_', ' ')})"
        return f"industry outside the target list ({f.industry.removeprefix('other:').replace('_', ' ')})"
    if name == "size":
        if f.employees is None:
            return "company size unknown"
        low, high = icp.employees_ideal
        ideal = f"the ideal {low:,}-{high:,}"
        words = (
            "in the ideal range"
            if value == 1.0
            else (f"smaller than {ideal}" if f.employees < low else f"larger than {ideal}")
        )
        return f"{_size_words(f.employees)} company, {words}"
    if name == "country":
        if f.country is None:
            return "country unknown"
        if value == 0.4:
            return f"based in {f.region}, {f.country}: outside the served regions"
        return f"based in {f.country}, " + (
            "a served market" if value == 1.0 else "outside the served markets"
        )
    if name == "email":
        return {
            "business": f"business e-mail at {f.email.domain}",
            "role": "shared role address (info@, sales@)",
            "free": "personal e-mail address",
            "edu": "student e-mail address",
            "invalid": "invalid e-mail address",
            "missing": "no e-mail address",
        }[f.email.kind]
    if name == "revenue":
        return "revenue unknown" if f.revenue is None else f"annual revenue about {_money(f.revenue)}"
    if f.tech_matches is None:
        return "tech stack unknown"
    return (
        f"uses {counted(f.tech_matches, 'tool')} from the target stack"
        if f.tech_matches
        else "no target tools in its stack"
    )


def rule_components(f: PersonFeatures, icp: Icp) -> dict[str, tuple[float, str]]:
    """Each component's value in [0, 1] and the sentence that explains it."""
    return {
        name: (value, component_text(name, value, f, icp)) for name, value in component_values(f, icp).items()
    }


def _money(value: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"${value / size:.1f}{unit}".replace(".0", "")
    return f"${value:.0f}"


def fit_value(f: PersonFeatures, icp: Icp) -> float:
    """The fit score alone (no sentences built): what the bulk path needs when a model explains."""
    v = component_values(f, icp)
    w = WEIGHTS
    score = (
        50.0
        + w["persona"] * (v["persona"] - 0.5)
        + w["industry"] * (v["industry"] - 0.5)
        + w["size"] * (v["size"] - 0.5)
        + w["country"] * (v["country"] - 0.5)
        + w["email"] * (v["email"] - 0.5)
        + w["revenue"] * (v["revenue"] - 0.5)
        + w["tech"] * (v["tech"] - 0.5)
    )
    return round(max(0.0, min(100.0, score)), 1)


def fit_score(f: PersonFeatures, icp: Icp) -> tuple[float, list[Reason]]:
    """0-100 fit and its exact additive reasons (points above or below the neutral 50)."""
    comps = rule_components(f, icp)
    reasons = [
        Reason(factor=f"fit.{name}", contribution=round(WEIGHTS[name] * (value - 0.5), 2), text=text)
        for name, (value, text) in comps.items()
    ]
    score = 50.0 + sum(r.contribution for r in reasons)
    return round(max(0.0, min(100.0, score)), 1), reasons
