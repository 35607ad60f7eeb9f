"""HubSpot objects (``{"id", "properties", "updatedAt"}``) to and from leadq's canonical records.

Pure: no SDK, no HTTP. Every value arrives as a string (HubSpot's rule); garbage
becomes None here rather than an exception, so one bad field never loses a record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.config_text import parse_toml
from core.records import Account, CrmKind, Engagement, ObjectType, Person, RecordRef

# Canonical field -> HubSpot property. Defaults are HubSpot's standard properties; a portal's own
# custom properties can replace any of them through a field map (``load_field_map``).
DEFAULT_CONTACT_MAP: dict[str, str] = {
    "email": "email",
    "first_name": "firstname",
    "last_name": "lastname",
    "title": "jobtitle",
    "company_name": "company",
    "website": "website",
    "phone": "phone",
    "country": "country",
    "region": "state",
    "city": "city",
    "industry": "industry",
    "employees_text": "company_size",
    "employees_band": "numemployees",
    "revenue_text": "annualrevenue",
    "lifecycle_stage": "lifecyclestage",
    "status": "hs_lead_status",
    "owner_id": "hubspot_owner_id",
    "account_id": "associatedcompanyid",
    "lead_source": "hs_analytics_source",
    "site_visits": "hs_analytics_num_visits",
    "page_views": "hs_analytics_num_page_views",
    "last_visit_at": "hs_analytics_last_visit_timestamp",
    "email_opens": "hs_email_open",
    "email_clicks": "hs_email_click",
    "last_email_open_at": "hs_email_last_open_date",
    "last_email_click_at": "hs_email_last_click_date",
    "form_submissions": "num_conversion_events",
    "last_form_at": "recent_conversion_date",
    "last_activity_at": "notes_last_updated",
    "created_at": "createdate",
    "modified_at": "lastmodifieddate",
}
DEFAULT_COMPANY_MAP: dict[str, str] = {
    "name": "name",
    "domain": "domain",
    "website": "website",
    "industry": "industry",
    "employees": "numberofemployees",
    "annual_revenue": "annualrevenue",
    "country": "country",
    "region": "state",
    "city": "city",
    "tech_stack": "web_technologies",
    "owner_id": "hubspot_owner_id",
    "modified_at": "hs_lastmodifieddate",
}


class FieldMapError(ValueError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key


@dataclass(frozen=True)
class FieldMap:
    contact: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CONTACT_MAP))
    company: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COMPANY_MAP))

    def contact_properties(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.contact.values())))

    def company_properties(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.company.values())))


def load_field_map(text: str | None) -> FieldMap:
    """``[contact] title = "job_title_custom"`` style overrides over HubSpot's standard properties."""
    if not text:
        return FieldMap()
    data = parse_toml(text, FieldMapError)
    maps = {"contact": dict(DEFAULT_CONTACT_MAP), "company": dict(DEFAULT_COMPANY_MAP)}
    for section, values in data.items():
        if section not in maps or not isinstance(values, dict):
            raise FieldMapError(section, "unknown section; use [contact] or [company]")
        for canonical, prop in values.items():
            if canonical not in maps[section]:
                raise FieldMapError(
                    f"{section}.{canonical}", f"unknown field; known: {', '.join(sorted(maps[section]))}"
                )
            if not isinstance(prop, str) or not prop:
                raise FieldMapError(f"{section}.{canonical}", "must be a HubSpot property name")
            maps[section][canonical] = prop
    return FieldMap(maps["contact"], maps["company"])


DEFAULT_MAP = FieldMap()
CONTACT_PROPERTIES = DEFAULT_MAP.contact_properties()
COMPANY_PROPERTIES = DEFAULT_MAP.company_properties()


def parse_time(value: Any) -> datetime | None:
    """HubSpot datetimes are ISO 8601 ('...Z') or epoch milliseconds."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: Any) -> int:
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError, OverflowError):  # "INF" is a float, not a count
        return 0


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def contact_to_person(portal_id: str, obj: Mapping[str, Any], fields: FieldMap = DEFAULT_MAP) -> Person:
    props = obj.get("properties") or {}
    m = fields.contact

    def p(name: str) -> Any:
        return props.get(m[name])

    engagement = Engagement(
        site_visits=_int(p("site_visits")),
        page_views=_int(p("page_views")),
        email_opens=_int(p("email_opens")),
        email_clicks=_int(p("email_clicks")),
        form_submissions=_int(p("form_submissions")),
        last_visit_at=parse_time(p("last_visit_at")),
        last_email_open_at=parse_time(p("last_email_open_at")),
        last_email_click_at=parse_time(p("last_email_click_at")),
        last_form_at=parse_time(p("last_form_at")),
        last_activity_at=parse_time(p("last_activity_at")),
    )
    return Person(
        ref=RecordRef(CrmKind.HUBSPOT, str(portal_id), ObjectType.CONTACT, str(obj["id"])),
        email=_text(p("email")),
        first_name=_text(p("first_name")),
        last_name=_text(p("last_name")),
        title=_text(p("title")),
        company_name=_text(p("company_name")),
        website=_text(p("website")),
        phone=_text(p("phone")),
        country=_text(p("country")),
        region=_text(p("region")),
        city=_text(p("city")),
        industry=_text(p("industry")),
        employees_text=_text(p("employees_text")) or _text(p("employees_band")),
        revenue_text=_text(p("revenue_text")),
        lead_source=_text(p("lead_source")),
        lifecycle_stage=_text(p("lifecycle_stage")),
        status=_text(p("status")),
        owner_id=_text(p("owner_id")),
        account_id=_text(p("account_id")),
        engagement=engagement,
        created_at=parse_time(p("created_at")),
        version=str(p("modified_at") or obj.get("updatedAt") or obj.get("updated_at") or ""),
        raw=dict(props),
    )


def company_to_account(portal_id: str, obj: Mapping[str, Any], fields: FieldMap = DEFAULT_MAP) -> Account:
    props = obj.get("properties") or {}
    m = fields.company

    def p(name: str) -> Any:
        return props.get(m[name])

    employees = _float(p("employees"))
    tech = tuple(t for t in str(p("tech_stack") or "").split(";") if t)
    domain = _text(p("domain"))
    return Account(
        ref=RecordRef(CrmKind.HUBSPOT, str(portal_id), ObjectType.ACCOUNT, str(obj["id"])),
        name=_text(p("name")),
        domain=domain.lower().removeprefix("www.") if domain else None,
        website=_text(p("website")),
        industry=_text(p("industry")),
        employees=None if employees is None else int(employees),
        annual_revenue=_float(p("annual_revenue")),
        country=_text(p("country")),
        region=_text(p("region")),
        city=_text(p("city")),
        tech_stack=tech,
        owner_id=_text(p("owner_id")),
        version=str(p("modified_at") or obj.get("updatedAt") or obj.get("updated_at") or ""),
        raw=dict(props),
    )
