"""The model page in plain language: conversion rates as "about 7 in 10", AUC and calibration in a
sentence, factors named as the lead page says them (``scoring.explain.describe``), a readable model
name, why a challenger was not promoted, and tiers that barely differ pointed out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from scoring.explain import PAIR_JOIN, describe, describe_pair
from storage import model_names as names

# The model's features as people say them, with values whose lead-page wording shows what they mean.
FACTORS: dict[str, tuple[str, tuple[tuple[Any, float], ...]]] = {
    "seniority": ("How senior the person is", (("vp", 1.0), ("student", -1.0))),
    "function": ("Which department they work in", (("sales", 1.0), ("hr", -1.0))),
    "email_kind": ("Business or personal e-mail address", (("business", 1.0), ("free", -1.0))),
    "industry": ("The company's industry", (("software", 1.0), ("other", -1.0))),
    "employees": ("Company size", ((250, 1.0),)),
    "revenue": ("Company revenue", ((20e6, 1.0),)),
    "country": ("Where they are based", (("US", 1.0),)),
    "tech_matches": ("Tools from your target stack in use", ((2, 1.0), (0, -1.0))),
    "engagement_points": ("Recent engagement (visits, clicks, forms, meetings)", ((None, 1.0), (None, -1.0))),
    "days_since_activity": ("How recently they were active", ((3, 1.0), (60, -1.0))),
    "visits": ("Website visits", ((4, 1.0), (0, -1.0))),
    "email_clicks": ("Marketing e-mail clicks", ((2, 1.0), (0, -1.0))),
    "forms": ("Form submissions", ((1, 1.0), (0, -1.0))),
    "lead_source": ("Where the lead came from", (("ORGANIC_SEARCH", 1.0), ("OFFLINE", -1.0))),
    "segment": ("Which segment's own model scored the lead (its starting point)", ()),
}
WEAK_GAP = 0.05  # tiers whose conversion rates differ by less than 5 points barely separate leads
MIN_TIER_LEADS = 10  # fewer held-out leads in a tier than this: too few to judge its rate


def in_ten(rate: float | None) -> str:
    """A conversion rate as people say it: "about 7 in 10", "about 1 in 7", "about 2 in 100"."""
    if rate is None:
        return "no leads to tell"
    if rate <= 0:
        return "none"
    if rate >= 0.95:
        return "almost all"
    if rate >= 0.15:
        return f"about {round(rate * 10)} in 10"
    if round(1 / rate) <= 20:
        return f"about 1 in {round(1 / rate)}"
    return f"about {round(rate * 100)} in 100" if rate >= 0.005 else "fewer than 1 in 100"


def model_name(trained_at: datetime, number: int) -> str:
    """``m20261202142714624390`` as an admin reads it: "model 3 (trained 2 Dec 2026, 14:27)"."""
    return names.model_name(trained_at, number)


def numbered(versions: Sequence[Any]) -> dict[str, int]:
    """Each version's number, 1 for the first ever trained."""
    ordered = sorted(versions, key=lambda v: v.trained_at)
    return {v.version: i for i, v in enumerate(ordered, 1)}


def auc_words(auc: float | None, rule_auc: float | None) -> str:
    """What an AUC means, in the page's own numbers."""
    if auc is None:
        return ""
    text = (
        f"Take one lead that converted and one that did not: about {round(auc * 100)} times in 100 the "
        "model ranks the one that converted higher (50 is a coin toss, 100 is perfect)"
    )
    if rule_auc is not None:
        text += f"; the ICP rules alone manage {round(rule_auc * 100)} in 100"
    return text + "."


def tier_lines(tiers: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """'L1: about 7 in 10 convert (71% of 48 leads)', per tier."""
    lines = []
    for tier in sorted(tiers):
        row = tiers[tier]
        rate, count = row.get("conversion_rate"), int(row.get("count") or 0)
        if rate is None or not count:
            lines.append(f"{tier}: no leads in this tier")
            continue
        few = " - too few to be sure" if count < MIN_TIER_LEADS else ""
        lines.append(f"{tier}: {in_ten(rate)} convert ({rate:.0%} of {count:,} leads{few})")
    return lines


def weak_tiers(tiers: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """A warning for each pair of neighbouring tiers that barely differ, or are the wrong way round."""
    warnings = []
    names = sorted(tiers)
    for upper, lower in pairwise(names):
        a, b = tiers[upper], tiers[lower]
        rate_a, rate_b = a.get("conversion_rate"), b.get("conversion_rate")
        if rate_a is None or rate_b is None:
            continue
        if min(int(a.get("count") or 0), int(b.get("count") or 0)) < MIN_TIER_LEADS:
            continue
        if rate_a < rate_b:
            warnings.append(
                f"{lower} leads converted more often than {upper} leads ({rate_b:.0%} against {rate_a:.0%}): "
                f"the tiers are the wrong way round here. Look at the tier thresholds in the ICP's [tiers]."
            )
        elif rate_a - rate_b < WEAK_GAP:
            warnings.append(
                f"{upper} and {lower} convert at nearly the same rate ({rate_a:.0%} against {rate_b:.0%}), "
                f"so telling reps {upper} is hotter than {lower} means little. Raising the {upper} threshold "
                "in the ICP's [tiers] would make it more selective."
            )
    return warnings


def calibration_words(table: Sequence[Mapping[str, Any]]) -> str:
    """One sentence: what calibration means, and how far off this model's chances were."""
    total = sum(int(r.get("count") or 0) for r in table)
    if not total:
        return ""
    off = sum(abs(r["mean_predicted"] - r["observed_rate"]) * int(r["count"]) for r in table) / total
    return (
        "Calibration checks that the chances can be taken at face value: of the leads given about a 30% "
        f"chance, about 3 in 10 should convert; on the held-out leads this model's chances were off by "
        f"{off * 100:.0f} percentage point{'s' if round(off * 100) != 1 else ''} on average "
        "(points on the dashed line are exact)."
    )


def lift_words(lift: Sequence[Mapping[str, Any]], base_rate: float | None) -> str:
    """The top tenth of leads by the model against all leads."""
    if not lift or not base_rate:
        return ""
    top = lift[0]
    return (
        f"The model's top 10% of leads converted {top['lift']:.1f} times as often as average: "
        f"{in_ten(top['conversion_rate'])}, against {in_ten(base_rate)} for all leads."
    )


def feature_words(feature: str) -> str:
    """A feature's name as people say it (the lead page's and this page's); else its key in words."""
    named = FACTORS.get(feature)
    if named is not None:
        return named[0]
    text = feature.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def pair_words(parts: Sequence[str]) -> str:
    """A pair term (the boosted family's) named by both of its factors."""
    second = feature_words(parts[-1])
    if parts[-1] in FACTORS:  # a sentence of ours, not a column's own name
        second = second[:1].lower() + second[1:]
    return f"{feature_words(parts[0])} and {second}, read together"


def _pair_line(parts: Sequence[str]) -> tuple[str, str]:
    """A pair term's name, and how a lead's page says one such pair (from each factor's first
    example, where both have one)."""
    name = pair_words(parts)
    examples = [FACTORS.get(p, ("", ()))[1][:1] for p in parts]
    if not all(e and e[0][0] is not None for e in examples):
        return name, ""
    values = [e[0][0] for e in examples]
    return name, f"\u201c{describe_pair(parts, values, [None] * len(parts), 1.0)}\u201d"


def factor_lines(factors: Sequence[Mapping[str, Any]], top: int = 6) -> list[tuple[str, str, str]]:
    """The strongest factors as (name, strength word, how a lead's page says it)."""
    shown = list(factors[:top])
    if not shown:
        return []
    strongest = max(float(f["mean_abs_contribution"]) for f in shown) or 1.0
    lines = []
    for factor in shown:
        feature = str(factor["feature"])
        share = float(factor["mean_abs_contribution"]) / strongest
        strength = "strong" if share >= 0.6 else ("moderate" if share >= 0.3 else "smaller")
        if PAIR_JOIN in feature:
            name, said = _pair_line(feature.split(PAIR_JOIN))
            lines.append((name, strength, said))
            continue
        name, examples = feature_words(feature), FACTORS.get(feature, ("", ()))[1]
        said = ", ".join(f"\u201c{describe(feature, value, sign)}\u201d" for value, sign in examples)
        lines.append((name, strength, said))
    return lines


def promotion_words(metrics: Mapping[str, Any], margin: float) -> str:
    """Why a trained model was or was not made the champion, in plain words."""
    compared = metrics.get("compared_on_unseen") or {}
    champion, challenger = compared.get("champion_auc"), compared.get("challenger_auc")
    reason = str(metrics.get("promotion") or "")
    if champion is None or challenger is None:
        if reason.startswith("no champion yet"):
            return "The first model trained on this CRM's outcomes, so it became the champion."
        return reason[:1].upper() + reason[1:] + ("." if reason and not reason.endswith(".") else "")
    head = (
        f"On the deals decided since the champion was trained, this model ranked leads right "
        f"{challenger * 100:.1f} times in 100 against the champion's {champion * 100:.1f}"
    )
    numbers = f"(AUC {challenger:.3f} against {champion:.3f}; required margin {margin:.3f})"
    if challenger >= champion + margin:
        return (
            f"{head}: better by at least the required {margin * 100:g} in 100, so it replaced the "
            f"champion {numbers}."
        )
    return (
        f"{head}. A new model must beat the champion by at least {margin * 100:g} in 100 to replace it, "
        f"so the champion stays {numbers}."
    )
