"""Field definitions of the standard objects the sandbox org holds, and value checks.

Types follow describe's ``type`` values (id, string, email, picklist, double, int,
currency, percent, boolean, date, datetime, reference, textarea, url, phone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

INDUSTRIES = (
    "Agriculture",
    "Apparel",
    "Automotive",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Computer Software",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Financial Services",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Higher Education",
    "Hospitality",
    "Information Technology and Services",
    "Insurance",
    "Internet",
    "Logistics",
    "Machinery",
    "Management Consulting",
    "Manufacturing",
    "Marketing and Advertising",
    "Media",
    "Not For Profit",
    "Other",
    "Real Estate",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
)
LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
RATINGS = ("Hot", "Warm", "Cold")
STAGES = {  # StageName -> (IsClosed, IsWon, Probability)
    "Prospecting": (False, False, 10),
    "Qualification": (False, False, 10),
    "Needs Analysis": (False, False, 20),
    "Proposal/Price Quote": (False, False, 75),
    "Negotiation/Review": (False, False, 90),
    "Closed Won": (True, True, 100),
    "Closed Lost": (True, False, 0),
}
READ_ONLY = frozenset(
    {
        "Id",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "IsConverted",
        "ConvertedDate",
        "ConvertedAccountId",
        "ConvertedContactId",
        "ConvertedOpportunityId",
        "IsClosed",
        "IsWon",
    }
)


@dataclass
class FieldDef:
    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    custom: bool = False
    values: tuple[str, ...] = ()
    restricted: bool = False
    labels: tuple[str, ...] = ()  # a picklist's labels, one per value (default: the value itself)
    nillable: bool = True
    reference_to: tuple[str, ...] = ()
    track_history: bool = False
    description: str = ""
    readonly: bool = False  # e.g. the compound Name of a Lead, Contact or User

    @property
    def updateable(self) -> bool:
        return not self.readonly and self.name not in READ_ONLY

    def describe(self, updateable: bool | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label or self.name,
            "type": self.type,
            "length": self.length,
            "precision": self.precision,
            "scale": self.scale,
            "custom": self.custom,
            "nillable": self.nillable,
            "updateable": self.updateable if updateable is None else updateable,
            "createable": self.updateable if updateable is None else updateable,
            "referenceTo": list(self.reference_to),
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": label, "value": v, "validFor": None}
                for v, label in zip(self.values, self.labels or self.values, strict=True)
            ],
            "inlineHelpText": self.description or None,
        }


def _f(name: str, type_: str, **kw: Any) -> FieldDef:
    if type_ in ("string", "email", "url", "phone") and "length" not in kw:
        kw["length"] = 255
    return FieldDef(name, type_, **kw)


def _system(*extra: FieldDef) -> dict[str, FieldDef]:
    base = [
        _f("Id", "id", nillable=False),
        _f("IsDeleted", "boolean", nillable=False),
        _f("CreatedDate", "datetime", nillable=False),
        _f("CreatedById", "reference", reference_to=("User",)),
        _f("LastModifiedDate", "datetime", nillable=False),
        _f("LastModifiedById", "reference", reference_to=("User",)),
        _f("SystemModstamp", "datetime", nillable=False),
    ]
    return {f.name: f for f in (*base, *extra)}


def standard_objects() -> dict[str, dict[str, FieldDef]]:
    owner = _f("OwnerId", "reference", reference_to=("User", "Group"), nillable=False, track_history=True)
    return {
        "Lead": _system(
            _f("FirstName", "string", length=40),
            _f("LastName", "string", length=80, nillable=False),
            _f("Name", "string", readonly=True),
            _f("Company", "string", nillable=False),
            _f("Email", "email", track_history=True),
            _f("Title", "string", length=128, track_history=True),
            _f("Phone", "phone"),
            _f("Website", "url"),
            _f("Country", "string", length=80),
            _f("State", "string", length=80),
            _f("City", "string", length=40),
            _f("Industry", "picklist", values=INDUSTRIES),
            _f("NumberOfEmployees", "int", precision=8),
            _f("AnnualRevenue", "currency", precision=18),
            _f(
                "LeadSource",
                "picklist",
                values=("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"),
            ),
            _f(
                "Status",
                "picklist",
                values=LEAD_STATUSES,
                restricted=True,
                nillable=False,
                track_history=True,
            ),
            _f("Rating", "picklist", values=RATINGS, track_history=True),
            owner,
            _f("IsConverted", "boolean", nillable=False),
            _f("ConvertedDate", "date"),
            _f("ConvertedAccountId", "reference", reference_to=("Account",)),
            _f("ConvertedContactId", "reference", reference_to=("Contact",)),
            _f("ConvertedOpportunityId", "reference", reference_to=("Opportunity",)),
            _f("pi__last_activity__c", "datetime", custom=True, label="Last Activity"),
            _f("pi__conversion_date__c", "datetime", custom=True, label="Conversion Date"),
            _f("pi__score__c", "double", custom=True, precision=18, label="Score"),
        ),
        "Contact": _system(
            _f("FirstName", "string", length=40),
            _f("LastName", "string", length=80, nillable=False),
            _f("Name", "string", readonly=True),
            _f("AccountId", "reference", reference_to=("Account",)),
            _f("Email", "email", track_history=True),
            _f("Title", "string", length=128, track_history=True),
            _f("Phone", "phone"),
            _f("Department", "string", length=80),
            _f("MailingCountry", "string", length=80),
            _f("MailingState", "string", length=80),
            _f("MailingCity", "string", length=40),
            _f(
                "LeadSource",
                "picklist",
                values=("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"),
            ),
            owner,
            _f("pi__last_activity__c", "datetime", custom=True, label="Last Activity"),
            _f("pi__conversion_date__c", "datetime", custom=True, label="Conversion Date"),
            _f("pi__score__c", "double", custom=True, precision=18, label="Score"),
        ),
        "Account": _system(
            _f("Name", "string", nillable=False),
            _f("Website", "url"),
            _f("Industry", "picklist", values=INDUSTRIES),
            _f("NumberOfEmployees", "int", precision=8),
            _f("AnnualRevenue", "currency", precision=18),
            _f("BillingCountry", "string", length=80),
            _f("BillingState", "string", length=80),
            _f("BillingCity", "string", length=40),
            _f("Type", "picklist", values=("Prospect", "Customer - Direct", "Customer - Channel", "Other")),
            _f("Rating", "picklist", values=RATINGS, track_history=True),
            owner,
            _f("ParentId", "reference", reference_to=("Account",)),
        ),
        "Opportunity": _system(
            _f("Name", "string", nillable=False),
            _f("AccountId", "reference", reference_to=("Account",)),
            _f("StageName", "picklist", values=tuple(STAGES), restricted=True, nillable=False),
            _f("CloseDate", "date", nillable=False),
            _f("Amount", "currency", precision=18),
            _f("Probability", "percent", precision=3),
            _f("IsClosed", "boolean", nillable=False),
            _f("IsWon", "boolean", nillable=False),
            _f("LeadSource", "string"),
            owner,
        ),
        "OpportunityContactRole": _system(
            _f("OpportunityId", "reference", reference_to=("Opportunity",), nillable=False),
            _f("ContactId", "reference", reference_to=("Contact",), nillable=False),
            _f("Role", "string"),
            _f("IsPrimary", "boolean"),
        ),
        "User": _system(
            _f("Username", "string"),
            _f("FirstName", "string", length=40),
            _f("LastName", "string", length=80),
            _f("Name", "string", readonly=True),
            _f("Email", "email"),
            _f("IsActive", "boolean"),
            _f("UserType", "string"),
            _f("ProfileId", "string"),
            _f("ManagerId", "reference", reference_to=("User",)),
            _f("TimeZoneSidKey", "string"),
            _f("Department", "string"),
        ),
        "PermissionSet": _system(
            _f("Name", "string", nillable=False),
            _f("Label", "string", nillable=False),
            _f("Description", "string"),
        ),
        "FieldPermissions": _system(
            _f("ParentId", "reference", reference_to=("PermissionSet",), nillable=False),
            _f("SobjectType", "string", nillable=False),
            _f("Field", "string", nillable=False),
            _f("PermissionsRead", "boolean"),
            _f("PermissionsEdit", "boolean"),
        ),
        "PermissionSetAssignment": _system(
            _f("PermissionSetId", "reference", reference_to=("PermissionSet",), nillable=False),
            _f("AssigneeId", "reference", reference_to=("User",), nillable=False),
        ),
    }


HISTORY_OBJECTS = {
    "LeadHistory": ("Lead", "LeadId"),
    "ContactHistory": ("Contact", "ContactId"),
    "AccountHistory": ("Account", "AccountId"),
}

SF_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"


def fmt_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime(SF_TIME)


def parse_time(text: str) -> datetime | None:
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    value = value.replace("Z", "+00:00")
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def coerce(field: FieldDef, value: Any) -> tuple[Any, tuple[str, str] | None]:
    """The stored value, or an (errorCode, message) pair as Salesforce reports bad values."""
    if value is None or value == "":
        if not field.nillable:
            return None, ("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{field.name}]")
        return None, None
    t = field.type
    bad = (
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{field.label or field.name}: value not of required type: {value}",
    )
    if t in ("double", "currency", "percent", "int"):
        if isinstance(value, bool):
            return None, bad
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None, bad
        if t == "int":
            if number != int(number):
                return None, bad
            return int(number), None
        if field.precision and abs(number) >= 10 ** (field.precision - field.scale):
            return None, (
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"{field.label or field.name}: value outside of valid range on numeric field: {value}",
            )
        if not (field.scale or field.precision):
            return number, None
        # Extra decimals are rounded half up (2.5 -> 3), not to even as Python's round() would.
        exact = Decimal(repr(number)).quantize(Decimal(1).scaleb(-field.scale), rounding=ROUND_HALF_UP)
        return float(exact), None
    if t == "boolean":
        if isinstance(value, bool):
            return value, None
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true", None
        return None, bad
    if t in ("datetime", "date"):
        parsed = parse_time(str(value))
        if parsed is None:
            return None, bad
        return (parsed.strftime(SF_TIME) if t == "datetime" else parsed.date().isoformat()), None
    text = str(value)
    if t == "picklist" and field.restricted and text not in field.values:
        return None, (
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{field.label or field.name}: bad value for restricted picklist field: {text}",
        )
    if t == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        return None, ("INVALID_EMAIL_ADDRESS", f"{field.label or field.name}: invalid email address: {text}")
    limit = field.length or (131072 if t == "textarea" else 255)
    if len(text) > limit:
        return None, (
            "STRING_TOO_LONG",
            f"{field.label or field.name}: data value too large: {text[:30]}... (max length={limit})",
        )
    return text, None
