"""The ICP rule score: works with zero history, and is additive so its reasons are exact.

fit = 50 + sum over components of weight * (value - 0.5), where each component's
value is in [0, 1] and 0.5 means "unknown". Each component's term is its reason.
"""

from __future__ import annotations

import math

from leadq.records import Reason
from scoring.features import PersonFeatures
from scoring.icp import Icp

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


def rule_components(f: PersonFeatures, icp: Icp) -> dict[str, tuple[float, str]]:
    """Each component's value in [0, 1] and the sentence that explains it."""
    comps: dict[str, tuple[float, str]] = {}
    s = f.title.seniority
    if s == "unknown":
        comps["persona"] = (0.5, "job title unknown")
    else:
        persona = 0.6 * icp.seniority_weights.get(s, 0.2) + 0.4 * icp.function_weights.get(
            f.title.function, 0.2
        )
        level = SENIORITY_WORDS.get(s, s.replace("_", " "))
        comps["persona"] = (
            persona,
            f"{level} {FUNCTION_WORDS.get(f.title.function, '')} buyer".replace("  ", " "),
        )
    if f.industry is None:
        comps["industry"] = (0.5, "industry unknown")
    elif f.industry in icp.target_industries:
        comps["industry"] = (1.0, f"target industry ({f.industry.replace('_', ' ')})")
    else:
        comps["industry"] = (
            0.15,
            f"industry outside the target list ({f.industry.removeprefix('other:').replace('_', ' ')})",
        )
    size = _band_value(f.employees, icp.employees_min, icp.employees_ideal, icp.employees_max)
    if f.employees is None:
        comps["size"] = (size, "company size unknown")
    else:
        fit_words = (
            "in the ideal range"
            if size == 1.0
            else ("too small" if f.employees < icp.employees_ideal[0] else "larger than the ideal range")
        )
        comps["size"] = (size, f"{_size_words(f.employees)} company, {fit_words}")
    if f.country is None:
        comps["country"] = (0.5, "country unknown")
    elif f.country in icp.countries:
        comps["country"] = (1.0, f"based in {f.country}, a served market")
    else:
        comps["country"] = (0.1, f"based in {f.country}, outside the served markets")
    email_value = {"business": 1.0, "role": 0.6, "free": 0.15, "edu": 0.0, "invalid": 0.1, "missing": 0.35}
    email_words = {
        "business": f"business e-mail at {f.email.domain}",
        "role": "shared role address (info@, sales@)",
        "free": "personal e-mail address",
        "edu": "student e-mail address",
        "invalid": "invalid e-mail address",
        "missing": "no e-mail address",
    }
    comps["email"] = (email_value[f.email.kind], email_words[f.email.kind])
    revenue = _band_value(f.revenue, icp.revenue_ideal[0] / 20, icp.revenue_ideal, icp.revenue_ideal[1] * 20)
    comps["revenue"] = (
        revenue,
        "revenue unknown" if f.revenue is None else f"annual revenue about {_money(f.revenue)}",
    )
    if f.tech_matches is None:
        comps["tech"] = (0.5, "tech stack unknown")
    else:
        comps["tech"] = (
            min(1.0, 0.3 + 0.35 * f.tech_matches),
            f"uses {f.tech_matches} tool(s) from the target stack"
            if f.tech_matches
            else "no target tools in its stack",
        )
    return comps


def _money(value: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"${value / size:.1f}{unit}".replace(".0", "")
    return f"${value:.0f}"


def fit_score(f: PersonFeatures, icp: Icp) -> tuple[float, list[Reason]]:
    """0-100 fit and its exact additive reasons (points above or below the neutral 50)."""
    comps = rule_components(f, icp)
    reasons = [
        Reason(factor=f"fit.{name}", contribution=round(WEIGHTS[name] * (value - 0.5), 2), text=text)
        for name, (value, text) in comps.items()
    ]
    score = 50.0 + sum(r.contribution for r in reasons)
    return round(max(0.0, min(100.0, score)), 1), reasons
