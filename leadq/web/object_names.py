"""What a person reads for each kind of record leadq scores, per CRM: the one place the admin pages and
the ``leadq`` commands take an object type's name from, so no page or line shows a stored value such
as ``pipeline_lead``.

The CRM's own objects are named as the provider registry names them (HubSpot's "contacts" and
"companies", Salesforce's "leads", "contacts" and "accounts"). HubSpot's Leads object is added here:
in leadq every scored person is a "lead", so its records are called "Leads records" (the object's
name in HubSpot, then "records"), never just "leads".
"""

from __future__ import annotations

from urllib.parse import quote

from core.records import CrmKind, ObjectType

# The order object types are listed in: people first, then HubSpot's Leads records, then accounts.
OBJECT_ORDER = {
    ObjectType.LEAD.value: 0,
    ObjectType.CONTACT.value: 1,
    ObjectType.PIPELINE_LEAD.value: 2,
    ObjectType.ACCOUNT.value: 3,
}
# Objects a CRM has that its provider does not list among the scored people and accounts.
_MORE: dict[CrmKind, dict[str, str]] = {CrmKind.HUBSPOT: {ObjectType.PIPELINE_LEAD.value: "Leads records"}}
# Where the name alone could be misread (the admin app's list is called "Leads"): the longer name.
_EXPLAINED = {ObjectType.PIPELINE_LEAD.value: "Leads records (HubSpot's Leads object)"}


def _crm(crm_kind: CrmKind | str) -> CrmKind | None:
    try:
        return CrmKind(crm_kind)
    except ValueError:
        return None


def object_names(crm_kind: CrmKind | str) -> dict[str, str]:
    """Object type (its stored value) -> what the CRM calls such records, plural, in ``OBJECT_ORDER``."""
    from connector.registry import provider

    crm = _crm(crm_kind)
    if crm is None:
        return {}
    names = {str(t): name for t, name in provider(crm).object_names.items()} | _MORE.get(crm, {})
    return dict(sorted(names.items(), key=lambda t: OBJECT_ORDER.get(t[0], 9)))


def plural(crm_kind: CrmKind | str, object_type: str) -> str:
    """Records of this type, as a person calls them ("contacts", "Leads records"); an object type this
    CRM does not have is named in words too (its stored value without underscores)."""
    return object_names(crm_kind).get(object_type) or object_type.replace("_", " ") + " records"


def singular(crm_kind: CrmKind | str, object_type: str) -> str:
    """One such record: HubSpot's "company", Salesforce's "account", HubSpot's "Leads record"."""
    name = object_names(crm_kind).get(object_type)
    if not name:
        return object_type.replace("_", " ") + " record"
    return name[:-3] + "y" if name.endswith("ies") else name.removesuffix("s")


def explained(crm_kind: CrmKind | str, object_type: str) -> str:
    """The plural with what it is where the plural alone could be misread (a filter's choices)."""
    if object_type in _EXPLAINED and object_type in object_names(crm_kind):
        return _EXPLAINED[object_type]
    return plural(crm_kind, object_type)


def ordered(object_types: list[str]) -> list[str]:
    """These object types in ``OBJECT_ORDER`` (unknown ones last, in their order)."""
    return sorted(object_types, key=lambda t: OBJECT_ORDER.get(t, 9))


# HubSpot's record pages: ``<app>/contacts/<portal>/record/<object type id>/<record id>``.
_HUBSPOT_TYPE_IDS = {
    ObjectType.CONTACT.value: "0-1",
    ObjectType.ACCOUNT.value: "0-2",
    ObjectType.PIPELINE_LEAD.value: "0-136",
}


def crm_record_url(
    app_base: str, crm_kind: str, tenant_id: str, object_type: str, record_id: str
) -> str | None:
    """The record's page in the CRM (HubSpot's, at ``app_base``: LEADQ_HUBSPOT_AUTH_BASE), or None
    where leadq does not know it (Salesforce's depends on the org's own domain)."""
    type_id = _HUBSPOT_TYPE_IDS.get(object_type)
    if _crm(crm_kind) != CrmKind.HUBSPOT or type_id is None:
        return None
    portal, record = quote(tenant_id, safe=""), quote(record_id, safe="")
    return f"{app_base.rstrip('/')}/contacts/{portal}/record/{type_id}/{record}"


# A HubSpot Leads record's label and stage as a person reads them: HubSpot's label options, and the
# stages of HubSpot's default lead pipeline (a portal's own stages have numeric ids, shown as such).
_LEAD_LABELS = {"HOT": "Hot", "WARM": "Warm", "COLD": "Cold"}
_LEAD_STAGES = {
    "new-stage-id": "New",
    "attempting-stage-id": "Attempting",
    "connected-stage-id": "Connected",
    "qualified-stage-id": "Qualified",
    "unqualified-stage-id": "Disqualified",
}


def lead_state(label: str, stage: str) -> str:
    """ "label Hot, stage Attempting" ("" where neither is known)."""
    parts = []
    if label:
        parts.append("label " + _LEAD_LABELS.get(label.upper(), label.replace("_", " ").lower()))
    if stage:
        parts.append("stage " + _LEAD_STAGES.get(stage, f"id {stage}"))
    return ", ".join(parts)
