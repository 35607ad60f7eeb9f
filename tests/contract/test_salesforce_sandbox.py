"""The real simple-salesforce (which forces https://) against the sandbox's Salesforce side."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from connector.http import session as pinned_session
from sandbox.pytest_plugin import sf_authorize, sf_install

VERSION = "62.0"


@pytest.fixture(scope="module")
def org_sandbox() -> Any:
    from sandbox.server import create_sandbox, serve

    running = serve(create_sandbox(seed=11, records=600, portals=0), https=True, deliver_webhooks=False)
    yield running
    running.stop()


@pytest.fixture
def http(org_sandbox: Any) -> requests.Session:
    return pinned_session(str(org_sandbox.ca_bundle))


@pytest.fixture
def tokens(org_sandbox: Any) -> dict[str, Any]:
    return sf_install(org_sandbox)


@pytest.fixture
def sf(org_sandbox: Any, tokens: dict[str, Any], http: requests.Session) -> Salesforce:
    return Salesforce(
        instance_url=tokens["instance_url"], session_id=tokens["access_token"], version=VERSION, session=http
    )


def _token(running: Any, http: requests.Session, **form: str) -> requests.Response:
    base = {"client_id": running.sf_client_id, "client_secret": running.sf_client_secret}
    return http.post(f"{running.base_url}/services/oauth2/token", data=base | form)


def test_token_answer_has_identity_and_no_expiry(org_sandbox: Any, tokens: dict[str, Any], http: Any) -> None:
    import base64
    import hashlib
    import hmac

    assert "expires_in" not in tokens
    assert tokens["instance_url"] == org_sandbox.base_url
    assert tokens["id"].endswith(
        f"/{org_sandbox.org_id}/{org_sandbox.sandbox.orgs[org_sandbox.org_id].admin_user_id}"
    )
    signature = hmac.new(
        org_sandbox.sf_client_secret.encode(), (tokens["id"] + tokens["issued_at"]).encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(tokens["signature"]) == signature
    identity = http.get(tokens["id"], headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert identity["organization_id"] == org_sandbox.org_id and identity["active"] is True


def test_pkce_verifier_is_checked(org_sandbox: Any, http: Any) -> None:
    redirect = "https://localhost/callback"
    code = sf_authorize(org_sandbox, redirect, code_challenge="x" * 43)
    wrong = _token(
        org_sandbox,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect,
        code_verifier="not-the-verifier",
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_request"
    code = sf_authorize(org_sandbox, redirect, code_challenge="x" * 43)
    missing = _token(org_sandbox, http, grant_type="authorization_code", code=code, redirect_uri=redirect)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"


def test_rotating_refresh_token_works_once(org_sandbox: Any, tokens: dict[str, Any], http: Any) -> None:
    first = _token(org_sandbox, http, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert first.status_code == 200 and first.json()["refresh_token"] != tokens["refresh_token"]
    again = _token(org_sandbox, http, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


def test_revoked_refresh_token_is_refused(org_sandbox: Any, tokens: dict[str, Any], http: Any) -> None:
    revoke = http.post(
        f"{org_sandbox.base_url}/services/oauth2/revoke", data={"token": tokens["refresh_token"]}
    )
    assert revoke.status_code == 200
    refused = _token(org_sandbox, http, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refused.json()["error"] == "invalid_grant"


def test_query_pages_with_next_records_url(sf: Salesforce, org_sandbox: Any) -> None:
    sf.headers["Sforce-Query-Options"] = "batchSize=200"
    first = sf.query("SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id")
    assert first["done"] is False and first["nextRecordsUrl"].startswith(
        f"/services/data/v{VERSION}/query/01g"
    )
    assert len(first["records"]) == 200
    rows = list(sf.query_all_iter("SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"))
    assert len(rows) == 600 == len({r["Id"] for r in rows})
    stamps = [r["SystemModstamp"] for r in rows]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) < len(stamps), "seeded records share SystemModstamps, as bulk loads do"
    count = sf.query("SELECT COUNT() FROM Lead WHERE IsConverted = false")
    assert count["totalSize"] == sum(
        1 for r in org_sandbox.sandbox.orgs[org_sandbox.org_id].live("Lead") if not r["IsConverted"]
    )


def test_soql_errors(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as quoted:
        sf.query("SELECT Id FROM Lead WHERE SystemModstamp > '2026-01-01T00:00:00Z'")
    assert quoted.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.query("SELECT Nope__c FROM Lead")
    assert unknown.value.content[0]["errorCode"] == "INVALID_FIELD"
    rows = sf.query(
        "SELECT Id FROM Lead WHERE SystemModstamp > 2000-01-01T00:00:00Z AND IsConverted = true LIMIT 3"
    )
    assert len(rows["records"]) == 3


def test_collections_limit_partial_failure_and_all_or_none(sf: Salesforce) -> None:
    leads = sf.query("SELECT Id FROM Lead WHERE IsConverted = false LIMIT 201")["records"]
    too_many = [{"attributes": {"type": "Lead"}, "id": r["Id"], "Rating": "Hot"} for r in leads]
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.restful("composite/sobjects", method="PATCH", json={"records": too_many})
    assert error.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    batch = [
        {"attributes": {"type": "Lead"}, "id": leads[0]["Id"], "Rating": "Warm"},
        {"attributes": {"type": "Lead"}, "id": leads[1]["Id"], "Status": "Not a status"},
    ]
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": batch})
    assert [r["success"] for r in results] == [True, False]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    batch[0]["Rating"] = "Cold"
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": True, "records": batch})
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.Lead.get(leads[0]["Id"])["Rating"] == "Warm"


def test_converted_lead_cannot_be_updated(sf: Salesforce) -> None:
    lead = sf.query("SELECT Id, ConvertedOpportunityId FROM Lead WHERE IsConverted = true LIMIT 1")[
        "records"
    ][0]
    assert lead["ConvertedOpportunityId"].startswith("006")
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Lead"}, "id": lead["Id"], "Rating": "Hot"}]},
    )
    assert results[0]["errors"][0]["statusCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_a_deactivated_user_cannot_own_a_record(sf: Salesforce) -> None:
    """As in a real org: assigning a record to an inactive user is refused for that record alone."""
    inactive = sf.query("SELECT Id FROM User WHERE IsActive = false LIMIT 1")["records"][0]["Id"]
    active = sf.query("SELECT Id FROM User WHERE IsActive = true LIMIT 1")["records"][0]["Id"]
    leads = sf.query("SELECT Id, OwnerId FROM Lead WHERE IsConverted = false LIMIT 2")["records"]
    batch = [
        {"attributes": {"type": "Lead"}, "id": leads[0]["Id"], "OwnerId": inactive},
        {"attributes": {"type": "Lead"}, "id": leads[1]["Id"], "OwnerId": active},
    ]
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": batch})
    assert [r["success"] for r in results] == [False, True]
    assert results[0]["errors"][0]["statusCode"] == "INACTIVE_OWNER_OR_USER"
    assert results[0]["errors"][0]["fields"] == ["OwnerId"]
    assert sf.Lead.get(leads[0]["Id"])["OwnerId"] == leads[0]["OwnerId"]
    assert sf.Lead.get(leads[1]["Id"])["OwnerId"] == active


def test_custom_field_needs_field_level_security(sf: Salesforce, org_sandbox: Any) -> None:
    created = sf.toolingexecute(
        "sobjects/CustomField",
        method="POST",
        data={
            "FullName": "Account.Contract_Test__c",
            "Metadata": {"type": "Number", "label": "T", "precision": 3},
        },
    )
    assert created["success"] and created["id"].startswith("00N")
    names = {f["name"] for f in sf.Account.describe()["fields"]}
    assert "Contract_Test__c" not in names, "a new field has no field-level security yet"
    account = sf.query("SELECT Id FROM Account LIMIT 1")["records"][0]
    denied = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Account"}, "id": account["Id"], "Contract_Test__c": 5}]},
    )
    assert denied[0]["errors"][0]["statusCode"] == "INVALID_FIELD"
    permission_set = sf.PermissionSet.create({"Name": "Contract_Test", "Label": "Contract test"})
    sf.FieldPermissions.create(
        {
            "ParentId": permission_set["id"],
            "SobjectType": "Account",
            "Field": "Account.Contract_Test__c",
            "PermissionsRead": True,
            "PermissionsEdit": True,
        }
    )
    org = org_sandbox.sandbox.orgs[org_sandbox.org_id]
    sf.PermissionSetAssignment.create(
        {"PermissionSetId": permission_set["id"], "AssigneeId": org.admin_user_id}
    )
    assert "Contract_Test__c" in {f["name"] for f in sf.Account.describe()["fields"]}
    sf.Account.update(account["Id"], {"Contract_Test__c": 5})
    assert sf.Account.get(account["Id"])["Contract_Test__c"] == 5
    with pytest.raises(SalesforceMalformedRequest) as duplicate:
        sf.toolingexecute(
            "sobjects/CustomField",
            method="POST",
            data={"FullName": "Account.Contract_Test__c", "Metadata": {"type": "Number", "label": "T"}},
        )
    assert duplicate.value.content[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"


def test_non_admin_cannot_create_fields(org_sandbox: Any, http: Any) -> None:
    org = org_sandbox.sandbox.orgs[org_sandbox.org_id]
    marketing = next(u for u in org.live("User") if u["Username"].startswith("marketing@"))
    tokens = sf_install(org_sandbox, login_hint=marketing["Username"])
    sf = Salesforce(
        instance_url=tokens["instance_url"], session_id=tokens["access_token"], version=VERSION, session=http
    )
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.toolingexecute(
            "sobjects/CustomField",
            method="POST",
            data={"FullName": "Lead.X__c", "Metadata": {"type": "Text", "label": "X", "length": 5}},
        )
    assert refused.value.content[0]["errorCode"] == "INSUFFICIENT_ACCESS"


def test_expired_session_and_budget(org_sandbox: Any, http: Any) -> None:
    tokens = sf_install(org_sandbox)
    sf = Salesforce(
        instance_url=tokens["instance_url"], session_id=tokens["access_token"], version=VERSION, session=http
    )
    sf.query("SELECT Id FROM User LIMIT 1")
    usage = sf.api_usage["api-usage"]
    org = org_sandbox.sandbox.orgs[org_sandbox.org_id]
    assert (usage.used, usage.total) == (org.api_used, org.api_max)
    saved = org.api_max
    try:
        org.api_max = org.api_used
        with pytest.raises(SalesforceRefusedRequest) as refused:
            sf.query("SELECT Id FROM User LIMIT 1")
        assert refused.value.content == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED", "fields": []}
        ]
    finally:
        org.api_max = saved
    http.post(f"{org_sandbox.base_url}/_sandbox/salesforce/orgs/{org.org_id}/expire-sessions")
    with pytest.raises(SalesforceExpiredSession) as expired:
        sf.query("SELECT Id FROM User LIMIT 1")
    assert expired.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_field_history_names_the_user(sf: Salesforce, org_sandbox: Any, http: Any) -> None:
    org = org_sandbox.sandbox.orgs[org_sandbox.org_id]
    lead = sf.query("SELECT Id FROM Lead WHERE IsConverted = false LIMIT 1")["records"][0]
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    http.post(
        f"{org_sandbox.base_url}/_sandbox/salesforce/orgs/{org.org_id}/ui-edit",
        json={"sobject": "Lead", "id": lead["Id"], "fields": {"Rating": "Hot"}, "userId": rep["Id"]},
    )
    rows = sf.query(
        f"SELECT LeadId, Field, NewValue, CreatedById FROM LeadHistory WHERE LeadId = '{lead['Id']}'"
    )
    assert {"LeadId": lead["Id"], "Field": "Rating", "NewValue": "Hot", "CreatedById": rep["Id"]} in [
        {k: v for k, v in r.items() if k != "attributes"} for r in rows["records"]
    ]


def test_an_owner_change_is_recorded_twice_under_owner_ids_and_names(
    sf: Salesforce, org_sandbox: Any, http: Any
) -> None:
    org = org_sandbox.sandbox.orgs[org_sandbox.org_id]
    lead = sf.query("SELECT Id, OwnerId FROM Lead WHERE IsConverted = false LIMIT 1")["records"][0]
    reps = [
        u for u in org.live("User") if u["IsActive"] and u["Id"] not in (org.admin_user_id, lead["OwnerId"])
    ]
    rep, before = reps[0], org.get("User", lead["OwnerId"])
    http.post(
        f"{org_sandbox.base_url}/_sandbox/salesforce/orgs/{org.org_id}/ui-edit",
        json={"sobject": "Lead", "id": lead["Id"], "fields": {"OwnerId": rep["Id"]}, "userId": rep["Id"]},
    )
    rows = sf.query(
        "SELECT Field, DataType, OldValue, NewValue, CreatedById FROM LeadHistory "
        f"WHERE LeadId = '{lead['Id']}' AND Field IN ('Owner', 'OwnerId') ORDER BY DataType"
    )["records"]
    assert [{k: v for k, v in r.items() if k != "attributes"} for r in rows] == [
        {
            "Field": "Owner",
            "DataType": "EntityId",
            "OldValue": lead["OwnerId"],
            "NewValue": rep["Id"],
            "CreatedById": rep["Id"],
        },
        {
            "Field": "Owner",
            "DataType": "Text",
            "OldValue": before["Name"],
            "NewValue": rep["Name"],
            "CreatedById": rep["Id"],
        },
    ]


class SoapReceiver:
    def __init__(self, fail_first: int) -> None:
        self.bodies: list[bytes] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.bodies.append(body)
                if len(receiver.bodies) <= receiver.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    return
                answer = (
                    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
                    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
                    b"</notificationsResponse></soapenv:Body></soapenv:Envelope>"
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/salesforce"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()


def test_outbound_message_retried_until_acknowledged(org_sandbox: Any, http: Any) -> None:
    import time
    import xml.etree.ElementTree as ET

    receiver = SoapReceiver(fail_first=2)
    org = org_sandbox.sandbox.orgs[org_sandbox.org_id]
    hub = org_sandbox.sandbox.outbound
    try:
        http.post(
            f"{org_sandbox.base_url}/_sandbox/salesforce/orgs/{org.org_id}/outbound",
            json={"url": receiver.url},
        )
        lead = next(r for r in org.live("Lead") if not r["IsConverted"])
        http.post(
            f"{org_sandbox.base_url}/_sandbox/salesforce/orgs/{org.org_id}/ui-edit",
            json={"sobject": "Lead", "id": lead["Id"], "fields": {"Rating": "Warm"}},
        )
        http.post(
            f"{org_sandbox.base_url}/_sandbox/salesforce/orgs/{org.org_id}/ui-edit",
            json={"sobject": "Lead", "id": lead["Id"], "fields": {"Rating": "Cold"}},
        )
        deadline = time.monotonic() + 10
        while not hub.idle() and time.monotonic() < deadline:
            hub.pump()
            time.sleep(0.05)
        assert hub.idle()
    finally:
        hub.configs.pop(org.org_id, None)
        receiver.server.shutdown()
    assert len(receiver.bodies) == 3 and [d.acked for d in hub.deliveries[-3:]] == [False, False, True]
    assert len(set(receiver.bodies)) == 1, "a retry resends the same notification"
    ns = {"o": "http://soap.sforce.com/2005/09/outbound", "sf": "urn:sobject.enterprise.soap.sforce.com"}
    root = ET.fromstring(receiver.bodies[-1])  # noqa: S314 - the sandbox's own envelope
    notifications = root.findall(".//o:Notification", ns)
    assert len(notifications) == 1, "two edits while queued: only the latest values are sent"
    assert root.find(".//o:OrganizationId", ns).text == org.org_id
    assert notifications[0].find("o:sObject/sf:Id", ns).text == lead["Id"]
    assert json.dumps(ET.tostring(root).decode()).count("Notification") >= 2
