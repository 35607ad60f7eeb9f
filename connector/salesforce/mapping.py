"""Salesforce rows (SOQL results) to leadq's canonical records, and leadq's field names.

Pure: no HTTP. Values come typed (numbers, booleans, ISO date-times); garbage becomes None
rather than an exception. leadq's own fields and the owner are copied into ``raw`` under
leadq's CRM-neutral keys, as strings formatted the way the write-back proposes them, so the
write policy compares like with like and a re-run writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from connector import formatting
from connector.base import FieldSpec
from core.records import Account, CrmKind, Engagement, ObjectType, Person, RecordRef, parse_iso

SOBJECT = {
    ObjectType.LEAD: "Lead",
    ObjectType.CONTACT: "Contact",
    ObjectType.ACCOUNT: "Account",
    ObjectType.DEAL: "Opportunity",
}
OBJECT_OF = {v: k for k, v in SOBJECT.items()}
OWNER_FIELD = "OwnerId"
NOT_PROVIDED = "[not provided]"  # Web-to-Lead's placeholder for a missing company

PERSON_FIELDS = (
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "Title",
    "Phone",
    "LeadSource",
    "OwnerId",
    "CreatedDate",
    "SystemModstamp",
    "LastModifiedById",
    "pi__last_activity__c",
    "pi__conversion_date__c",
    "pi__score__c",
)
LEAD_FIELDS = (
    *PERSON_FIELDS,
    "Company",
    "Website",
    "Country",
    "State",
    "City",
    "Industry",
    "NumberOfEmployees",
    "AnnualRevenue",
    "Status",
)
CONTACT_FIELDS = (*PERSON_FIELDS, "AccountId", "MailingCountry", "MailingState", "MailingCity")
ACCOUNT_FIELDS = (
    "Id",
    "Name",
    "Website",
    "Industry",
    "NumberOfEmployees",
    "AnnualRevenue",
    "BillingCountry",
    "BillingState",
    "BillingCity",
    "OwnerId",
    "SystemModstamp",
    "LastModifiedById",
)
BASE_FIELDS = {
    ObjectType.LEAD: LEAD_FIELDS,
    ObjectType.CONTACT: CONTACT_FIELDS,
    ObjectType.ACCOUNT: ACCOUNT_FIELDS,
}
DIGITS = {"leadq_fit_score": 0, "leadq_engagement_score": 0, "leadq_probability": formatting.PERCENT_DIGITS}


def api_name(key: str) -> str:
    """leadq's neutral key to the custom field's API name: ``leadq_fit_score`` -> ``LeadQ_Fit_Score__c``."""
    if key == OWNER_FIELD or key.endswith("__c") or not key.startswith("leadq_"):
        return key  # a standard field (Status, OwnerId) is already its API name
    rest = key.removeprefix("leadq_")
    return "LeadQ_" + "_".join(part.capitalize() for part in rest.split("_")) + "__c"


def number_text(value: float, digits: int) -> str | None:
    """A number Salesforce returned, as the write-back formats it (80.0 -> "80", 0.9 -> "0.9")."""
    if not math.isfinite(value):
        return None
    return formatting.number(value, digits)


def parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    parsed = parse_iso(value)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _number_as_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return number_text(float(value), 2)
    return _text(value)


def leadq_values(row: Mapping[str, Any], keys: Sequence[FieldSpec]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in keys:
        value = row.get(api_name(spec.key))
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[spec.key] = number_text(float(value), DIGITS.get(spec.key, 4))
        else:
            out[spec.key] = _text(value)
    return out


def _owner(row: Mapping[str, Any], unassigned: frozenset[str]) -> str | None:
    owner = _text(row.get("OwnerId"))
    if owner is None or owner.startswith("00G") or owner in unassigned:
        return None  # a queue or the default/integration user: nobody works it yet
    return owner


def _engagement(row: Mapping[str, Any]) -> Engagement:
    last_activity = parse_time(row.get("pi__last_activity__c"))
    converted = parse_time(row.get("pi__conversion_date__c"))
    return Engagement(
        form_submissions=1 if converted else 0,
        last_form_at=converted,
        last_activity_at=last_activity,
        tool_points=_non_negative(row.get("pi__score__c")) or 0.0,
    )


def to_person(
    org_id: str,
    obj: ObjectType,
    row: Mapping[str, Any],
    fields: Sequence[FieldSpec] = (),
    unassigned: frozenset[str] = frozenset(),
) -> Person:
    owner = _owner(row, unassigned)
    raw = dict(leadq_values(row, fields))
    raw[OWNER_FIELD] = owner
    raw["LastModifiedById"] = row.get("LastModifiedById")
    is_lead = obj == ObjectType.LEAD
    company = _text(row.get("Company")) if is_lead else None
    return Person(
        ref=RecordRef(CrmKind.SALESFORCE, org_id, obj, str(row["Id"])),
        email=_text(row.get("Email")),
        first_name=_text(row.get("FirstName")),
        last_name=_text(row.get("LastName")),
        title=_text(row.get("Title")),
        company_name=None if company == NOT_PROVIDED else company,
        website=_text(row.get("Website")),
        phone=_text(row.get("Phone")),
        country=_text(row.get("Country" if is_lead else "MailingCountry")),
        region=_text(row.get("State" if is_lead else "MailingState")),
        city=_text(row.get("City" if is_lead else "MailingCity")),
        industry=_text(row.get("Industry")),
        employees_text=_number_as_text(row.get("NumberOfEmployees")),
        revenue_text=_number_as_text(row.get("AnnualRevenue")),
        lead_source=_text(row.get("LeadSource")),
        status=_text(row.get("Status")),
        owner_id=owner,
        account_id=_text(row.get("AccountId")),
        engagement=_engagement(row),
        created_at=parse_time(row.get("CreatedDate")),
        version=str(row.get("SystemModstamp") or ""),
        raw=raw,
    )


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    host = website.lower().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.")
    return host if "." in host else None


def _non_negative(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None  # "INF" and "NaN" are not sizes


def to_account(org_id: str, row: Mapping[str, Any], fields: Sequence[FieldSpec] = ()) -> Account:
    website = _text(row.get("Website"))
    raw = dict(leadq_values(row, fields))
    raw[OWNER_FIELD] = _text(row.get("OwnerId"))
    raw["LastModifiedById"] = row.get("LastModifiedById")  # tells leadq's own writes from others'
    return Account(
        ref=RecordRef(CrmKind.SALESFORCE, org_id, ObjectType.ACCOUNT, str(row["Id"])),
        name=_text(row.get("Name")),
        domain=_domain(website),
        website=website,
        industry=_text(row.get("Industry")),
        employees=None if (count := _non_negative(row.get("NumberOfEmployees"))) is None else int(count),
        annual_revenue=_non_negative(row.get("AnnualRevenue")),
        country=_text(row.get("BillingCountry")),
        region=_text(row.get("BillingState")),
        city=_text(row.get("BillingCity")),
        owner_id=raw[OWNER_FIELD],
        version=str(row.get("SystemModstamp") or ""),
        raw=raw,
    )


def to_api_value(spec: FieldSpec | None, value: str | None) -> Any:
    """A proposed string value in the JSON type Salesforce expects for the field."""
    if value is None or value == "":
        return None
    if spec is not None and spec.kind in ("number", "percent"):
        try:
            return float(value)
        except ValueError:
            return None
    return value
