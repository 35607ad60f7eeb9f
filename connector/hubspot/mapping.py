"""HubSpot objects (``{"id", "properties", "updatedAt"}``) to and from leadq's canonical records.

Pure: no SDK, no HTTP. Every value arrives as a string (HubSpot's rule); garbage
becomes None here rather than an exception, so one bad field never loses a record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from leadq.records import Account, CrmKind, Engagement, ObjectType, Person, RecordRef

CONTACT_PROPERTIES = (
    "email",
    "firstname",
    "lastname",
    "jobtitle",
    "company",
    "website",
    "phone",
    "country",
    "state",
    "city",
    "industry",
    "numemployees",
    "company_size",
    "annualrevenue",
    "lifecyclestage",
    "hs_lead_status",
    "hubspot_owner_id",
    "associatedcompanyid",
    "hs_analytics_source",
    "hs_analytics_num_visits",
    "hs_analytics_num_page_views",
    "hs_analytics_last_visit_timestamp",
    "hs_email_open",
    "hs_email_click",
    "hs_email_last_open_date",
    "hs_email_last_click_date",
    "num_conversion_events",
    "recent_conversion_date",
    "notes_last_updated",
    "createdate",
    "lastmodifieddate",
)
COMPANY_PROPERTIES = (
    "name",
    "domain",
    "website",
    "industry",
    "numberofemployees",
    "annualrevenue",
    "country",
    "state",
    "city",
    "web_technologies",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
)


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
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def contact_to_person(portal_id: str, obj: Mapping[str, Any]) -> Person:
    p = obj.get("properties") or {}
    engagement = Engagement(
        site_visits=_int(p.get("hs_analytics_num_visits")),
        page_views=_int(p.get("hs_analytics_num_page_views")),
        email_opens=_int(p.get("hs_email_open")),
        email_clicks=_int(p.get("hs_email_click")),
        form_submissions=_int(p.get("num_conversion_events")),
        last_visit_at=parse_time(p.get("hs_analytics_last_visit_timestamp")),
        last_email_open_at=parse_time(p.get("hs_email_last_open_date")),
        last_email_click_at=parse_time(p.get("hs_email_last_click_date")),
        last_form_at=parse_time(p.get("recent_conversion_date")),
        last_activity_at=parse_time(p.get("notes_last_updated")),
    )
    return Person(
        ref=RecordRef(CrmKind.HUBSPOT, str(portal_id), ObjectType.CONTACT, str(obj["id"])),
        email=_text(p.get("email")),
        first_name=_text(p.get("firstname")),
        last_name=_text(p.get("lastname")),
        title=_text(p.get("jobtitle")),
        company_name=_text(p.get("company")),
        website=_text(p.get("website")),
        phone=_text(p.get("phone")),
        country=_text(p.get("country")),
        region=_text(p.get("state")),
        city=_text(p.get("city")),
        industry=_text(p.get("industry")),
        employees_text=_text(p.get("company_size")) or _text(p.get("numemployees")),
        revenue_text=_text(p.get("annualrevenue")),
        lead_source=_text(p.get("hs_analytics_source")),
        lifecycle_stage=_text(p.get("lifecyclestage")),
        status=_text(p.get("hs_lead_status")),
        owner_id=_text(p.get("hubspot_owner_id")),
        account_id=_text(p.get("associatedcompanyid")),
        engagement=engagement,
        created_at=parse_time(p.get("createdate")),
        version=str(p.get("lastmodifieddate") or obj.get("updatedAt") or ""),
        raw=dict(p),
    )


def company_to_account(portal_id: str, obj: Mapping[str, Any]) -> Account:
    p = obj.get("properties") or {}
    employees = _float(p.get("numberofemployees"))
    tech = tuple(t for t in str(p.get("web_technologies") or "").split(";") if t)
    domain = _text(p.get("domain"))
    return Account(
        ref=RecordRef(CrmKind.HUBSPOT, str(portal_id), ObjectType.ACCOUNT, str(obj["id"])),
        name=_text(p.get("name")),
        domain=domain.lower().removeprefix("www.") if domain else None,
        website=_text(p.get("website")),
        industry=_text(p.get("industry")),
        employees=None if employees is None else int(employees),
        annual_revenue=_float(p.get("annualrevenue")),
        country=_text(p.get("country")),
        region=_text(p.get("state")),
        city=_text(p.get("city")),
        tech_stack=tech,
        owner_id=_text(p.get("hubspot_owner_id")),
        version=str(p.get("hs_lastmodifieddate") or obj.get("updatedAt") or ""),
        raw=dict(p),
    )
