"""HubSpot's default properties per object type, with their real types and field types."""

from __future__ import annotations

from typing import Any

OBJECT_TYPES = ("contacts", "companies", "deals", "leads")
OBJECT_TYPE_IDS = {"0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-136": "leads"}
TYPE_ID = {name: type_id for type_id, name in OBJECT_TYPE_IDS.items()}
SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal", "leads": "lead"}
ALIASES = {"contact": "contacts", "company": "companies", "deal": "deals", "lead": "leads", **OBJECT_TYPE_IDS}
# The "last modified" property differs: contacts use lastmodifieddate.
MODIFIED_PROP = {
    "contacts": "lastmodifieddate",
    "companies": "hs_lastmodifieddate",
    "deals": "hs_lastmodifieddate",
    "leads": "hs_lastmodifieddate",
}
# Leads (a newer object) carry hs_createdate instead of createdate.
CREATED_PROP = {
    "contacts": "createdate",
    "companies": "createdate",
    "deals": "createdate",
    "leads": "hs_createdate",
}
DEFAULT_GROUP = {
    "contacts": "contactinformation",
    "companies": "companyinformation",
    "deals": "dealinformation",
    "leads": "leadinformation",
}
DEFAULT_RETURNED = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "leads": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}

LIFECYCLE = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LEAD_STATUS = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
NUM_EMPLOYEES = ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")
INDUSTRIES = (
    "COMPUTER_SOFTWARE",
    "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "INTERNET",
    "FINANCIAL_SERVICES",
    "BANKING",
    "INSURANCE",
    "HOSPITAL_HEALTH_CARE",
    "RETAIL",
    "EDUCATION_MANAGEMENT",
    "HIGHER_EDUCATION",
    "MARKETING_AND_ADVERTISING",
    "MACHINERY",
    "TELECOMMUNICATIONS",
    "CONSTRUCTION",
    "LOGISTICS_AND_SUPPLY_CHAIN",
    "NON_PROFIT_ORGANIZATION_MANAGEMENT",
    "MANAGEMENT_CONSULTING",
    "REAL_ESTATE",
    "FOOD_BEVERAGES",
    "AUTOMOTIVE",
)
TECHNOLOGIES = (
    "google_analytics",
    "google_tag_manager",
    "hubspot",
    "salesforce",
    "marketo",
    "segment",
    "snowflake",
    "stripe",
    "wordpress",
    "shopify",
    "zendesk",
    "intercom",
    "aws",
    "react",
    "slack",
)
DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
    ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
    ("contractsent", "Contract Sent", "0.9", "false"),
    ("closedwon", "Closed Won", "1.0", "true"),
    ("closedlost", "Closed Lost", "0.0", "true"),
)

# HubSpot's default lead pipeline: (stage id, label, leadState, isClosed). New leads land in the first.
LEAD_PIPELINE_ID = "lead-pipeline-id"
LEAD_STAGES = (
    ("new-stage-id", "New", "OPEN", "false"),
    ("attempting-stage-id", "Attempting", "OPEN", "false"),
    ("connected-stage-id", "Connected", "OPEN", "false"),
    ("qualified-stage-id", "Qualified", "QUALIFIED", "true"),
    ("unqualified-stage-id", "Disqualified", "DISQUALIFIED", "true"),
)
LEAD_TYPES = ("NEW_BUSINESS", "UPSELL", "RE_ATTEMPTING")
LEAD_LABELS = ("HOT", "WARM", "COLD")

# (name, label, type, fieldType, options, read_only_value, calculated)
_Spec = tuple[str, str, str, str, tuple[str, ...], bool, bool]

_COMMON: list[_Spec] = [
    ("hs_object_id", "Record ID", "number", "number", (), True, False),
    ("createdate", "Create Date", "datetime", "date", (), False, False),
    ("hubspot_owner_id", "Owner", "enumeration", "select", (), False, False),
]

_CONTACT: list[_Spec] = [
    ("email", "Email", "string", "text", (), False, False),
    ("firstname", "First Name", "string", "text", (), False, False),
    ("lastname", "Last Name", "string", "text", (), False, False),
    ("jobtitle", "Job Title", "string", "text", (), False, False),
    ("company", "Company Name", "string", "text", (), False, False),
    ("website", "Website URL", "string", "text", (), False, False),
    ("phone", "Phone Number", "string", "phonenumber", (), False, False),
    ("country", "Country/Region", "string", "text", (), False, False),
    ("state", "State/Region", "string", "text", (), False, False),
    ("city", "City", "string", "text", (), False, False),
    ("industry", "Industry", "string", "text", (), False, False),
    ("numemployees", "Number of Employees", "enumeration", "select", NUM_EMPLOYEES, False, False),
    ("annualrevenue", "Annual Revenue", "string", "text", (), False, False),
    ("company_size", "Company size (as entered)", "string", "text", (), False, False),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", LIFECYCLE, False, False),
    ("hs_lead_status", "Lead Status", "enumeration", "radio", LEAD_STATUS, False, False),
    (
        "hs_analytics_source",
        "Original Source",
        "enumeration",
        "select",
        (
            "ORGANIC_SEARCH",
            "PAID_SEARCH",
            "EMAIL_MARKETING",
            "SOCIAL_MEDIA",
            "REFERRALS",
            "OTHER_CAMPAIGNS",
            "DIRECT_TRAFFIC",
            "OFFLINE",
            "PAID_SOCIAL",
        ),
        True,
        True,
    ),
    ("hs_analytics_num_visits", "Number of Sessions", "number", "number", (), True, True),
    ("hs_analytics_num_page_views", "Number of Pageviews", "number", "number", (), True, True),
    ("hs_analytics_last_visit_timestamp", "Time of Last Session", "datetime", "date", (), True, True),
    ("hs_email_open", "Marketing emails opened", "number", "number", (), True, True),
    ("hs_email_click", "Marketing emails clicked", "number", "number", (), True, True),
    ("hs_email_last_open_date", "Last marketing email open date", "datetime", "date", (), True, True),
    ("hs_email_last_click_date", "Last marketing email click date", "datetime", "date", (), True, True),
    ("num_conversion_events", "Number of Form Submissions", "number", "number", (), True, True),
    ("recent_conversion_date", "Recent Conversion Date", "datetime", "date", (), True, True),
    ("notes_last_updated", "Last Activity Date", "datetime", "date", (), True, True),
    ("associatedcompanyid", "Primary Associated Company ID", "number", "number", (), False, False),
    ("lastmodifieddate", "Last Modified Date", "datetime", "date", (), True, True),
]

_COMPANY: list[_Spec] = [
    ("name", "Company name", "string", "text", (), False, False),
    ("domain", "Company Domain Name", "string", "text", (), False, False),
    ("website", "Website URL", "string", "text", (), False, False),
    ("industry", "Industry", "enumeration", "select", INDUSTRIES, False, False),
    ("numberofemployees", "Number of Employees", "number", "number", (), False, False),
    ("annualrevenue", "Annual Revenue", "number", "number", (), False, False),
    ("country", "Country/Region", "string", "text", (), False, False),
    ("state", "State/Region", "string", "text", (), False, False),
    ("city", "City", "string", "text", (), False, False),
    ("web_technologies", "Web Technologies", "enumeration", "checkbox", TECHNOLOGIES, False, False),
    (
        "type",
        "Type",
        "enumeration",
        "select",
        ("PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER"),
        False,
        False,
    ),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", LIFECYCLE, False, False),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", (), True, True),
]

_DEAL: list[_Spec] = [
    ("dealname", "Deal Name", "string", "text", (), False, False),
    ("amount", "Amount", "number", "number", (), False, False),
    ("dealstage", "Deal Stage", "enumeration", "radio", tuple(s[0] for s in DEAL_STAGES), False, False),
    ("pipeline", "Pipeline", "enumeration", "select", ("default",), False, False),
    ("closedate", "Close Date", "datetime", "date", (), False, False),
    ("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox", ("true", "false"), True, True),
    ("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox", ("true", "false"), True, True),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", (), True, True),
]

_LEAD: list[_Spec] = [
    ("hs_lead_name", "Lead name", "string", "text", (), False, False),
    ("hs_lead_type", "Lead type", "enumeration", "select", LEAD_TYPES, False, False),
    ("hs_lead_label", "Lead label", "enumeration", "select", LEAD_LABELS, False, False),
    ("hs_pipeline", "Pipeline", "enumeration", "select", (LEAD_PIPELINE_ID,), False, False),
    (
        "hs_pipeline_stage",
        "Lead stage",
        "enumeration",
        "radio",
        tuple(s[0] for s in LEAD_STAGES),
        False,
        False,
    ),
    ("hs_pipeline_stage_last_updated", "Last stage change", "datetime", "date", (), True, True),
    ("hs_lead_is_open", "Is open", "bool", "booleancheckbox", ("true", "false"), True, True),
    ("hs_lead_is_qualified", "Is qualified", "bool", "booleancheckbox", ("true", "false"), True, True),
    ("hs_lead_is_disqualified", "Is disqualified", "bool", "booleancheckbox", ("true", "false"), True, True),
    ("hs_primary_contact_id", "Primary contact ID", "number", "number", (), True, True),
    ("hs_primary_company_id", "Primary company ID", "number", "number", (), True, True),
    ("hs_associated_contact_email", "Associated contact email", "string", "text", (), True, True),
    ("hs_associated_contact_firstname", "Associated contact first name", "string", "text", (), True, True),
    ("hs_associated_contact_lastname", "Associated contact last name", "string", "text", (), True, True),
    ("hs_associated_company_name", "Associated company name", "string", "text", (), True, True),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", (), True, True),
]
_LEAD_COMMON: list[_Spec] = [
    ("hs_object_id", "Record ID", "number", "number", (), True, False),
    ("hs_createdate", "Create date", "datetime", "date", (), False, False),
    ("hubspot_owner_id", "Lead owner", "enumeration", "select", (), False, False),
]

_BY_TYPE = {"contacts": _CONTACT, "companies": _COMPANY, "deals": _DEAL, "leads": _LEAD}


def _property(object_type: str, spec: _Spec, order: int, created_ms: str) -> dict[str, Any]:
    name, label, ptype, field_type, options, read_only, calculated = spec
    return {
        "name": name,
        "label": label,
        "type": ptype,
        "fieldType": field_type,
        "description": "",
        "groupName": DEFAULT_GROUP[object_type],
        "options": [
            {"label": o.replace("_", " ").title(), "value": o, "displayOrder": i, "hidden": False}
            for i, o in enumerate(options)
        ],
        "displayOrder": order,
        "calculated": calculated,
        "externalOptions": name == "hubspot_owner_id",
        "hasUniqueValue": False,
        "hidden": False,
        "hubspotDefined": True,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": read_only,
        },
        "formField": not read_only,
        "dataSensitivity": "non_sensitive",
        "createdAt": created_ms,
        "updatedAt": created_ms,
        "archived": False,
        **({"referencedObjectType": "OWNER"} if name == "hubspot_owner_id" else {}),
    }


def default_properties(object_type: str, created_iso: str) -> dict[str, dict[str, Any]]:
    specs = (_LEAD_COMMON if object_type == "leads" else _COMMON) + _BY_TYPE[object_type]
    props = {s[0]: _property(object_type, s, i, created_iso) for i, s in enumerate(specs)}
    if object_type == "leads":  # stage and pipeline options show their labels, not their ids
        props["hs_pipeline"]["options"][0]["label"] = "Lead pipeline"
        for option, stage in zip(props["hs_pipeline_stage"]["options"], LEAD_STAGES, strict=True):
            option["label"] = stage[1]
    return props


def default_groups(object_type: str) -> dict[str, dict[str, Any]]:
    name = DEFAULT_GROUP[object_type]
    label = {
        "contacts": "Contact information",
        "companies": "Company information",
        "deals": "Deal information",
        "leads": "Lead information",
    }[object_type]
    return {name: {"name": name, "label": label, "displayOrder": -1, "archived": False}}


VALID_TYPES = {
    "string": {"text", "textarea", "phonenumber", "html", "file"},
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox"},
    "bool": {"booleancheckbox"},
    "phone_number": {"phonenumber"},
}
