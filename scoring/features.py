"""Features of a person and their account, computed from canonical records.

One plain function, ``person_features``, turns a ``Person`` (+ ``Account``)
into named values: the rule score, the disqualifiers and the learned model all
read the same features, so a reason names the same thing everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from core.records import Account, Engagement, Person
from scoring.icp import Icp
from scoring.parse import EmailInfo, normalise_domain, parse_amount, parse_country, parse_email
from scoring.titles import TitleInfo, parse_title

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class PersonFeatures:
    title: TitleInfo
    email: EmailInfo
    domain: str | None  # company domain from the account, website or business e-mail
    industry: str | None  # canonical ICP industry, or "other:<raw>" for unknown spellings
    employees: int | None
    revenue: float | None
    country: str | None
    region: str | None
    tech_matches: int | None  # None: tech stack unknown
    engagement_points: float  # decayed
    days_since_activity: float | None
    visits: int
    page_views: int
    email_clicks: int
    forms: int
    meetings: int
    lead_source: str | None
    competitor: bool
    missing: tuple[str, ...]

    def model_row(self) -> dict[str, object]:
        """The values the learned model sees, by feature name."""
        return {
            "seniority": self.title.seniority,
            "function": self.title.function,
            "email_kind": self.email.kind,
            "industry": self.industry
            if self.industry is None or not self.industry.startswith("other:")
            else "other",
            "employees": self.employees,
            "revenue": self.revenue,
            "country": self.country,
            "tech_matches": self.tech_matches,
            "engagement_points": self.engagement_points,
            "days_since_activity": self.days_since_activity,
            "visits": self.visits,
            "email_clicks": self.email_clicks,
            "forms": self.forms,
            "lead_source": (self.lead_source or "").lower() or None,
        }


def decayed_engagement(engagement: Engagement, icp: Icp, now: datetime, fallback: datetime | None) -> float:
    """Sum of event points, each halved every ``half_life_days`` since it last happened."""
    weights = icp.engagement_weights
    now_s = now.timestamp()
    half_life_s = icp.half_life_days * DAY
    total = 0.0
    for key, count, when in (
        ("site_visit", engagement.site_visits, engagement.last_visit_at),
        ("page_view", engagement.page_views, engagement.last_visit_at),
        ("email_open", engagement.email_opens, engagement.last_email_open_at),
        ("email_click", engagement.email_clicks, engagement.last_email_click_at),
        ("form_submission", engagement.form_submissions, engagement.last_form_at),
        ("meeting", engagement.meetings, engagement.last_activity_at),
        ("tool_point", engagement.tool_points, engagement.last_activity_at),
    ):
        if not count:
            continue
        moment = when or fallback
        # An event with no date at all counts, but as an old one.
        factor = 0.25 if moment is None else 0.5 ** (max(0.0, now_s - moment.timestamp()) / half_life_s)
        total += weights.get(key, 0.0) * count * factor
    return total


def person_features(person: Person, account: Account | None, icp: Icp, now: datetime) -> PersonFeatures:
    title = parse_title(person.title)
    email = parse_email(person.email, icp.extra_free_domains)
    domain = (account.domain if account and account.domain else None) or normalise_domain(
        (account.website if account else None) or person.website
    )
    if domain is None and email.kind in ("business", "role"):
        domain = email.domain
    raw_industry = (account.industry if account and account.industry else None) or person.industry
    industry = icp.industry_of(raw_industry) or (f"other:{raw_industry.lower()}" if raw_industry else None)
    employees = account.employees if account and account.employees is not None else None
    if employees is None and person.employees_text:
        amount = parse_amount(person.employees_text)
        employees = None if amount is None else round(amount)
    revenue = account.annual_revenue if account and account.annual_revenue is not None else None
    if revenue is None and person.revenue_text:
        revenue = parse_amount(person.revenue_text)
    country = (account.country if account and account.country else None) or person.country
    country = country if country and len(country) == 2 and country.isupper() else parse_country(country)
    country = "GB" if country == "UK" else country  # "UK": the United Kingdom's code in common use (ISO: GB)
    tech = None
    if account and account.tech_stack:
        tech = len({t.lower() for t in account.tech_stack} & icp.tech_stack)
    engagement = person.engagement
    last = engagement.last_engaged_at
    days_since = None if last is None else max(0.0, (now - last).total_seconds() / DAY)
    points = decayed_engagement(engagement, icp, now, person.created_at)
    competitor = bool(
        (email.domain and email.domain in icp.competitor_domains)
        or (domain and domain in icp.competitor_domains)
    )
    missing = []
    if email.kind in ("missing", "invalid") and not (person.company_name or domain):
        missing.append("e-mail or company")
    if title.seniority == "unknown":
        missing.append("job title")
    if industry is None and employees is None:
        missing.append("company industry or size")
    return PersonFeatures(
        title=title,
        email=email,
        domain=domain,
        industry=industry,
        employees=employees,
        revenue=revenue,
        country=country,
        region=(account.region if account and account.region else person.region),
        tech_matches=tech,
        engagement_points=round(points, 6),
        days_since_activity=days_since,
        visits=engagement.site_visits,
        page_views=engagement.page_views,
        email_clicks=engagement.email_clicks,
        forms=engagement.form_submissions,
        meetings=engagement.meetings,
        lead_source=person.lead_source,
        competitor=competitor,
        missing=tuple(missing),
    )


def engagement_score(points: float, icp: Icp) -> float:
    """Decayed points to 0-100, saturating: ``saturation`` points is about 63, twice that about 86."""
    return round(100.0 * (1.0 - math.exp(-max(points, 0.0) / icp.engagement_saturation)), 1)


def _filled(value: object) -> str | None:
    return "filled" if value is not None and str(value).strip() else None


def filled_fields(person: Person, account: Account | None) -> dict[str, object]:
    """Whether each CRM field the features read arrived filled ("filled") or empty (None), keyed
    "field: <name>". Monitoring's missing-value rates watch these: a broken form or field mapping
    empties a field, which the model's own inputs hide (an empty title is seniority "unknown")."""
    a = account or Account(ref=person.ref)
    return {
        "field: job title": _filled(person.title),
        "field: e-mail": _filled(person.email),
        "field: company": _filled(person.company_name or a.name),
        "field: industry": _filled(a.industry or person.industry),
        "field: company size": _filled(a.employees if a.employees is not None else person.employees_text),
        "field: country": _filled(a.country or person.country),
        "field: lead source": _filled(person.lead_source),
    }
