"""leadq's custom fields on Lead, Contact and Account (Tooling API), plus the permission set that
gives the integration user read/edit access to them: without field-level security a new field is
invisible to the API. Idempotent: existing fields are kept, a same-named field of another type is
reported and never changed, duplicate grants are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from connector import formatting
from connector.base import FieldSpec, ProvisionReport
from connector.errors import CrmPermissionError, CrmValidationError
from connector.salesforce.client import SalesforceCalls
from connector.salesforce.mapping import api_name
from core.records import CrmKind

log = logging.getLogger(__name__)
OBJECTS = ("Lead", "Contact", "Account")
PERMISSION_SET = "LeadQ_Integration"
FIND_SET = "SELECT Id FROM PermissionSet WHERE Name = 'LeadQ_Integration'"
TYPES = {
    "number": "double",
    "percent": "percent",
    "enum": "picklist",
    "multiline": "textarea",
    "datetime": "datetime",
    "text": "string",
}
PRECISION = {"leadq_fit_score": (3, 0), "leadq_engagement_score": (3, 0)}
PERCENT = (5, 2)  # 90.43 is 90.43%: Salesforce stores a percent field's value as the percentage
LONG_TEXT = formatting.LONG_TEXT_LIMIT[CrmKind.SALESFORCE]
TEXT = formatting.TEXT_LIMIT[CrmKind.SALESFORCE]
MIGRATABLE = {("double", "percent")}  # (current, wanted) type changes Salesforce allows in place
NO_PERMISSION = (
    "the Salesforce user who installed leadq cannot create fields or permission sets: it needs the "
    "'Customize Application' and 'Manage Profiles and Permission Sets' permissions (a System "
    "Administrator has both). Ask an admin to install leadq."
)


def metadata(spec: FieldSpec) -> dict[str, Any]:
    base: dict[str, Any] = {
        "label": spec.label[:40],
        "description": spec.description or spec.label,
        "inlineHelpText": spec.description or spec.label,
    }
    if spec.kind == "number":
        precision, scale = PRECISION.get(spec.key, (18, 2))
        return base | {"type": "Number", "precision": precision, "scale": scale}
    if spec.kind == "percent":
        return base | {"type": "Percent", "precision": PERCENT[0], "scale": PERCENT[1]}
    if spec.kind == "enum":
        values = [{"fullName": v, "label": spec.label_of(v), "default": False} for v in spec.options]
        return base | {
            "type": "Picklist",
            "valueSet": {"restricted": True, "valueSetDefinition": {"sorted": False, "value": values}},
        }
    if spec.kind == "multiline":
        return base | {"type": "LongTextArea", "length": LONG_TEXT, "visibleLines": 6}
    if spec.kind == "datetime":
        return base | {"type": "DateTime"}
    return base | {"type": "Text", "length": TEXT}


def _describe(calls: SalesforceCalls, sobject: str) -> dict[str, dict[str, Any]]:
    result = calls.call(lambda sf: sf.restful(f"sobjects/{sobject}/describe"), what=f"describe {sobject}")
    return {f["name"]: f for f in result["fields"]}


def ensure_fields(
    calls: SalesforceCalls, specs: Sequence[FieldSpec], integration_user: str
) -> ProvisionReport:
    created: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    updated: list[str] = []
    details: dict[str, str] = {}
    grant: list[tuple[str, str]] = []
    for sobject in OBJECTS:
        fields = _describe(calls, sobject)
        for spec in specs:
            if not spec.on(sobject.lower()):
                continue  # an account-only field is not created on leads and contacts
            name = api_name(spec.key)
            full = f"{sobject}.{name}"
            existing = fields.get(name)
            if existing is not None:
                if (existing["type"], TYPES[spec.kind]) in MIGRATABLE or _labels_differ(spec, existing):
                    _update(calls, sobject, name, spec)  # leadq's own field: bring it up to date
                    updated.append(full)
                    details[full] = f"updated to {metadata(spec)['type']}" + (
                        " with labels" if spec.kind == "enum" else ""
                    )
                elif existing["type"] != TYPES[spec.kind]:
                    conflicts.append(full)
                    details[full] = (
                        f"{full} exists as {existing['type']}, leadq needs {TYPES[spec.kind]}: left as is"
                    )
                    continue
                else:
                    unchanged.append(full)
                if not existing.get("updateable"):
                    grant.append((sobject, full))
                continue
            try:
                calls.call(
                    lambda sf, f=full, s=spec: sf.toolingexecute(
                        "sobjects/CustomField", method="POST", data={"FullName": f, "Metadata": metadata(s)}
                    ),
                    what=f"create field {full}",
                )
                created.append(full)
            except CrmPermissionError:
                raise CrmPermissionError(NO_PERMISSION, status=403) from None
            except CrmValidationError as exc:
                if "DUPLICATE_DEVELOPER_NAME" not in str(exc.body):
                    raise
                unchanged.append(full)  # exists, but this user cannot see it yet: the grant fixes that
            grant.append((sobject, full))
    if grant:
        _grant(calls, grant, integration_user)
    log.info(
        "salesforce.provisioned",
        extra={"fields_created": len(created), "fields_unchanged": len(unchanged), "clashes": len(conflicts)},
    )
    return ProvisionReport(tuple(created), tuple(unchanged), tuple(conflicts), details, tuple(updated))


def _labels_differ(spec: FieldSpec, existing: dict[str, Any]) -> bool:
    if spec.kind != "enum" or existing.get("type") != "picklist":
        return False
    shown = {p.get("value"): p.get("label") for p in existing.get("picklistValues") or []}
    return any(shown.get(v) != spec.label_of(v) for v in spec.options)


def _update(calls: SalesforceCalls, sobject: str, name: str, spec: FieldSpec) -> None:
    """Tooling API: find the custom field's Id, then replace its metadata (stored values are kept)."""
    developer_name = name.removesuffix("__c")
    # Both names are leadq's own constants (OBJECTS, api_name), never user input.
    where = f"TableEnumOrId = '{sobject}' AND DeveloperName = '{developer_name}'"
    soql = "SELECT Id FROM CustomField WHERE " + where  # noqa: S608
    found = calls.call(
        lambda sf: sf.toolingexecute("query/", method="GET", params={"q": soql}),
        what=f"find field {sobject}.{name}",
    )
    if not found.get("records"):
        raise CrmValidationError(f"Salesforce did not return the Id of {sobject}.{name}", body=found)
    field_id = found["records"][0]["Id"]
    try:
        calls.call(
            lambda sf: sf.toolingexecute(
                f"sobjects/CustomField/{field_id}",
                method="PATCH",
                data={"FullName": f"{sobject}.{name}", "Metadata": metadata(spec)},
            ),
            what=f"update field {sobject}.{name}",
        )
    except CrmPermissionError:
        raise CrmPermissionError(NO_PERMISSION, status=403) from None


def _grant(calls: SalesforceCalls, fields: list[tuple[str, str]], user_id: str) -> None:
    """Read/edit on each field through leadq's permission set, assigned to the integration user."""
    try:
        found = calls.call(
            lambda sf: sf.query(FIND_SET),
            what="find permission set",
        )
        if found["records"]:
            set_id = found["records"][0]["Id"]
        else:
            set_id = calls.call(
                lambda sf: sf.restful(
                    "sobjects/PermissionSet",
                    method="POST",
                    json={
                        "Name": PERMISSION_SET,
                        "Label": "leadq integration",
                        "Description": "Read and edit leadq's lead-qualification fields",
                    },
                ),
                what="create permission set",
            )["id"]
        records = [
            {
                "attributes": {"type": "FieldPermissions"},
                "ParentId": set_id,
                "SobjectType": sobject,
                "Field": full,
                "PermissionsRead": True,
                "PermissionsEdit": True,
            }
            for sobject, full in fields
        ]
        for start in range(0, len(records), 200):
            results = calls.call(
                lambda sf, r=records[start : start + 200]: sf.restful(
                    "composite/sobjects", method="POST", json={"allOrNone": False, "records": r}
                ),
                what="grant field access",
            )
            _raise_unless_duplicates(results)
        results = calls.call(
            lambda sf: sf.restful(
                "composite/sobjects",
                method="POST",
                json={
                    "allOrNone": False,
                    "records": [
                        {
                            "attributes": {"type": "PermissionSetAssignment"},
                            "PermissionSetId": set_id,
                            "AssigneeId": user_id,
                        }
                    ],
                },
            ),
            what="assign permission set",
        )
        _raise_unless_duplicates(results)
    except CrmPermissionError:
        raise CrmPermissionError(NO_PERMISSION, status=403) from None


def _raise_unless_duplicates(results: list[dict[str, Any]]) -> None:
    for result in results:
        codes = {e.get("statusCode") for e in result.get("errors") or []}
        if result.get("success") or codes <= {"DUPLICATE_VALUE"}:
            continue
        if "INSUFFICIENT_ACCESS" in codes or "INSUFFICIENT_ACCESS_OR_READONLY" in codes:
            raise CrmPermissionError(NO_PERMISSION, status=403)
        raise CrmValidationError(
            f"Salesforce refused a permission grant: {result.get('errors')}", body=result
        )
