"""Reasons a rep can read, for leadq's own person features (the learned model's factors)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from core.records import Reason
from scoring.rules import FUNCTION_WORDS, SENIORITY_WORDS
from scoring.segments import SEGMENT_TERM
from scoring.wording import counted

_EMAIL = {
    "business": "business e-mail address",
    "free": "personal e-mail address",
    "edu": "student e-mail address",
    "role": "shared role address (info@, sales@)",
    "invalid": "invalid e-mail address",
    "missing": "no e-mail address",
}


def _days(value: float) -> str:
    days = round(value)
    return "today" if days == 0 else ("yesterday" if days == 1 else f"{days} days ago")


def describe(feature: str, value: Any, contribution: float) -> str:
    """One factor as a rep would say it; ``contribution`` tells whether it helped or hurt."""
    if feature == "seniority":
        if value in (None, "unknown"):
            return "job title unknown"
        return {"student": "student", "intern": "intern", "job_seeker": "job seeker"}.get(
            value, f"{SENIORITY_WORDS.get(value, value)} buyer"
        )
    if feature == "function":
        if value in (None, "unknown", "none"):
            return "role unknown"
        return f"works in {FUNCTION_WORDS.get(value, value)}"
    if feature == "email_kind":
        return _EMAIL.get(value, "e-mail address")
    if feature == "industry":
        if value is None:
            return "industry unknown"
        if value == "other":
            return "industry outside the target list"
        return f"{str(value).replace('_', ' ')} industry"
    if feature == "employees":
        return "company size unknown" if value is None else f"{int(value):,}-person company"
    if feature == "revenue":
        return "revenue unknown" if value is None else f"annual revenue about ${float(value) / 1e6:,.1f}M"
    if feature == "country":
        return "country unknown" if value is None else f"based in {value}"
    if feature == "tech_matches":
        if value is None:
            return "tech stack unknown"
        return (
            f"uses {counted(int(value), 'tool')} from the target stack"
            if value
            else "none of the target tools in its stack"
        )
    if feature == "engagement_points":
        return "recent engagement" if contribution > 0 else "little recent engagement"
    if feature == "days_since_activity":
        if value is None:
            return "no recorded activity"
        return f"last active {_days(value)}" if value < 14 else f"no activity for {round(value)} days"
    if feature == "visits":
        return f"visited the website {counted(int(value), 'time')}" if value else "never visited the website"
    if feature == "email_clicks":
        return f"clicked {counted(int(value), 'marketing e-mail')}" if value else "no marketing e-mail clicks"
    if feature == "forms":
        return f"submitted {counted(int(value), 'form')}" if value else "no form submissions"
    if feature == "lead_source":
        return (
            "lead source unknown"
            if value is None
            else f"came in through {str(value).replace('_', ' ').lower()}"
        )
    return f"{feature}: {value}"


# A pair term's reason ("VP-level buyer at a 200-1,000 employee company"): each part as a rep says
# it, a number by the range of the model's bin it falls in (the pair's score is the same across it).

PAIR_JOIN = " & "  # how a pair term is named: "seniority & employees" (scoring/boosted.py)
Range = tuple[float, float] | None
RangesOf = Callable[[int, dict[str, Any]], Sequence[Range]]  # (term index, row) -> each part's bin range
_COMPANY = ("industry", "employees", "revenue", "country", "tech_matches")
_WHO = ("seniority", "function", "email_kind", "lead_source")
_WHOLE = ("employees", "tech_matches", "visits", "email_clicks", "forms", "days_since_activity")


def _bound(value: float, money: bool) -> str:
    if money:
        for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(value) >= size:
                return f"${value / size:.3g}{unit}"
        return f"${value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2g}"


def _a(words: str) -> str:
    """The article before a number read aloud: "an 8-19 employee company", "a 200-1,000 ..."."""
    digits = words.split("-")[0].replace(",", "")
    vowel = digits[:1] == "8" or (len(digits) % 3 == 2 and digits[:2] in ("11", "18"))
    return "an" if vowel else "a"


def range_text(feature: str, bounds: tuple[float, float]) -> str:
    """A bin's [low, high) as words: "200-1,000", "at most 49", "1,000 or more", "$1M-$10M"."""
    low, high = bounds
    money = feature == "revenue"
    if feature in _WHOLE:  # counts (never below 0): the whole numbers in [low, high)
        low = 0.0 if low == -math.inf else float(max(0, math.ceil(low)))
        high = math.inf if high == math.inf else float(math.ceil(high) - 1)
        if low >= high:
            return _bound(max(low, high), money)
        if low == 0 and high != math.inf:
            return f"at most {_bound(high, money)}"
    if low == -math.inf:
        return f"at most {_bound(high, money)}" if feature in _WHOLE else f"under {_bound(high, money)}"
    if high == math.inf:
        return f"{_bound(low, money)} or more"
    return f"{_bound(low, money)}-{_bound(high, money)}"


def _company_clause(feature: str, value: Any, bounds: Range) -> str:
    """What a company part adds to "a company ...": "with 200-1,000 employees", "in the software industry"."""
    words = None if bounds is None else range_text(feature, bounds)
    if words is None and isinstance(value, (int, float)) and value == value:
        words = _bound(float(value), feature == "revenue")  # no bin known: the value itself
    if feature == "employees":
        return "of unknown size" if words is None else f"with {words} employees"
    if feature == "revenue":
        return "of unknown revenue" if words is None else f"with {words} annual revenue"
    if feature == "tech_matches":
        if words is None:
            return "with an unknown tech stack"
        return "using none of the target tools" if words == "0" else f"using {words} of the target tools"
    if feature == "country":
        return "in an unknown country" if value is None else f"based in {value}"
    if value is None:
        return "of unknown industry"
    if value == "other":
        return "outside the target industries"
    return f"in the {str(value).replace('_', ' ')} industry"


def _company(feature: str, value: Any, bounds: Range) -> str:
    if (
        feature == "employees"
        and bounds is not None
        and math.isfinite(bounds[0])
        and math.isfinite(bounds[1])
    ):
        words = range_text(feature, bounds)
        return f"{_a(words)} {words} employee company"
    if feature == "industry" and value not in (None, "other"):
        return f"a {str(value).replace('_', ' ')} company"
    return f"a company {_company_clause(feature, value, bounds)}"


def _part(feature: str, value: Any, bounds: Range, contribution: float) -> str:
    """One part of a pair as a clause: ``describe``'s words, a number by its bin's range."""
    words = None if bounds is None else range_text(feature, bounds)
    if words is None or words.replace(",", "").isdigit():  # no range, or a single count: the value
        return describe(feature, value, contribution)
    return {
        "visits": f"visited the website {counted(words, 'time')}",
        "email_clicks": f"clicked {counted(words, 'marketing e-mail')}",
        "forms": f"submitted {counted(words, 'form')}",
        "days_since_activity": f"last active {words} days ago",
        "engagement_points": f"{words} engagement points",
    }.get(feature, f"{feature}: {words}")


def describe_pair(
    features: Sequence[str], values: Sequence[Any], ranges: Sequence[Range], contribution: float
) -> str:
    """A pair term as a rep would say it: "VP-level buyer at a 200-1,000 employee company"."""
    parts = sorted(
        zip(features, values, ranges, strict=True),
        key=lambda p: 0 if p[0] in _WHO else (2 if p[0] in _COMPANY else 1),
    )
    (f1, v1, r1), (f2, v2, r2) = parts[0], parts[-1]
    if f1 in _COMPANY:  # both describe the company
        return f"{_company(f1, v1, r1)} {_company_clause(f2, v2, r2)}"
    first = _part(f1, v1, r1, contribution)
    if f2 in _COMPANY:
        return f"{first}{'' if f1 in _WHO else ','} at {_company(f2, v2, r2)}"
    return f"{first} and {_part(f2, v2, r2, contribution)}"


@lru_cache(maxsize=256)
def _factor(name: str) -> str:
    return f"model.{name}"


def model_reasons(
    features: list[str],
    row: dict[str, Any],
    contributions: Any,
    top: int = 6,
    order: Any = None,
    ranges: RangesOf | None = None,
) -> list[Reason]:
    """The model's largest contributions for one lead, in calibrated-logit units, biggest first.

    ``order`` (feature indices by decreasing size) may be computed for many leads at once. A pair
    term ("seniority & employees") is phrased by ``describe_pair``, its numbers by the bin ranges
    ``ranges`` gives (the model's ``pair_ranges``), or by their values without it. A segmented model's
    ``segment`` term is left out: ``segment_reason`` says it.
    """
    if order is None:
        contributions = [float(c) for c in contributions]
        order = sorted(range(len(features)), key=lambda j: -abs(contributions[j]))
    reasons: list[Reason] = []
    for j in order:
        if len(reasons) == top:
            break
        value = contributions[j]
        if abs(value) < 0.01:
            break
        name = features[j]
        if name == SEGMENT_TERM:
            continue
        if PAIR_JOIN in name:
            parts = name.split(PAIR_JOIN)
            bounds = ranges(j, row) if ranges is not None else [None] * len(parts)
            text = describe_pair(parts, [row.get(p) for p in parts], bounds, value)
        else:
            text = describe(name, row.get(name), value)
        reasons.append(Reason(_factor(name), value, text))
    return reasons


def segment_reason(words: str, contribution: float) -> Reason:
    """Which segment model scored the lead, and whether its segment's leads start above or below the
    average lead (``contribution``: the segment model's expected logit minus the global model's)."""
    start = "above" if contribution > 0 else "below"
    return Reason(
        _factor(SEGMENT_TERM),
        contribution,
        f"scored by the segment model for {words}: its leads start {start} average",
    )


# Reasons for a lead scored from a CSV export (``leadq score``): one column's part in its score.

_WEEKDAYS = {
    "Mon": "Monday",
    "Tue": "Tuesday",
    "Wed": "Wednesday",
    "Thu": "Thursday",
    "Fri": "Friday",
    "Sat": "Saturday",
    "Sun": "Sunday",
}
_ZERO = {"0", "0.0", "0,0", "0.00", "0,00"}


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _absent(part: str, value: Any, cell: str) -> bool:
    """The lead has nothing in this column: blank, zero, unknown or left empty."""
    if value is None:
        return True
    if part == "numeric":
        return float(value) == 0.0
    if part in ("seniority", "function", "kind"):
        return str(value) in ("unknown", "none", "missing")
    if part == "filled in":
        return str(value) == "no"
    return cell.strip() in _ZERO


def table_reason(
    column: str, part: str, value: Any, cell: str, contribution: float, rare: bool = False
) -> str | None:
    """One CSV column's part in a lead's score as a rep reads it, or None where it is left out.

    ``part`` is how the column is read: ``numeric``, ``categorical``, ``weekday`` (of a date),
    ``seniority``/``function`` (of a job title), ``kind`` (of an e-mail address) or ``filled in``
    (free text). ``cell`` is the file's own text, so values keep their casing ("Lead Origin: API").

    A blank, zero or unknown value is never given as a point in the lead's favour: the model credits
    it only because such leads share something else (in X Education, leads from a form have no
    website visits and convert often), which a rep can neither see nor act on. As a point against
    the lead it is true and useful ("- TotalVisits: 0").
    """
    if contribution > 0 and _absent(part, value, cell):
        return None
    if part == "seniority":
        return describe("seniority", value, contribution)
    if part == "function":
        return describe("function", value, contribution)
    if part == "kind":
        return describe("email_kind", value, contribution)
    if part == "filled in":
        return f"{column} filled in" if value == "yes" else f"{column} left blank"
    if value is None:
        return f"{column} not given"
    if part == "weekday":
        return f"{column} on a {_WEEKDAYS.get(str(value), value)}"
    if part == "numeric":
        return f"{column}: {_number(float(value))}"
    return f"{column}: {cell.strip()}" + (" (a rare value)" if rare else "")
