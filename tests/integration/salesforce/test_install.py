"""Install into the sandbox org: PKCE, identity, custom fields with field-level security."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from storage.tables import EncryptedToken, Installation
from tests.support.salesforce import approve, install, org_of

FIELD_NAMES = {
    "LeadQ_Fit_Score__c",
    "LeadQ_Engagement_Score__c",
    "LeadQ_Probability__c",
    "LeadQ_Tier__c",
    "LeadQ_Verdict__c",
    "LeadQ_Confidence__c",
    "LeadQ_Reasons__c",
    "LeadQ_Scored_At__c",
    "LeadQ_Model_Version__c",
}


def test_authorize_url_uses_pkce_and_signed_state(client, crm) -> None:  # type: ignore[no-untyped-def]
    start = client.get("/install/salesforce?env=sandbox")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["response_type"] == ["code"] and query["scope"] == ["api refresh_token"]
    assert "code_verifier" not in start.headers["Location"]
    assert query["state"][0].count(".") == 4


def test_install_provisions_fields_and_permission_set(client, crm, sessions) -> None:  # type: ignore[no-untyped-def]
    page = install(client, crm).get_data(as_text=True)
    assert "connected to Salesforce" in page
    org = org_of(crm)
    for sobject in ("Lead", "Contact", "Account"):
        assert set(org.schema[sobject]) >= FIELD_NAMES
        for name in FIELD_NAMES:
            assert org.access(org.admin_user_id, sobject, name) == (True, True), (sobject, name)
    assert org.schema["Lead"]["LeadQ_Tier__c"].values == ("L1", "L2", "L3", "L4")
    probability = org.schema["Lead"]["LeadQ_Probability__c"]
    assert (probability.type, probability.precision, probability.scale) == ("percent", 5, 2)
    with sessions() as session:
        row = session.scalars(select(Installation)).one()
        assert (row.crm_kind, row.tenant_id, row.installed_by) == (
            "salesforce",
            org.org_id,
            org.admin_user_id,
        )
        assert row.instance_url == crm.base_url and row.auth_env == "production"
        kinds = sorted(t.kind for t in session.scalars(select(EncryptedToken)))
        assert kinds == ["access", "refresh"]
    calls_before = len(crm.requests)
    again = install(client, crm).get_data(as_text=True)
    assert "created" not in again, "a reinstall creates nothing"
    tooling = [e for e in crm.requests.entries()[calls_before:] if "tooling" in e.path]
    assert tooling == []


def test_user_without_customize_application_gets_a_clear_refusal(client, crm, sessions) -> None:  # type: ignore[no-untyped-def]
    marketing = next(u for u in org_of(crm).live("User") if u["Username"].startswith("marketing@"))
    response = client.get(approve(client, crm, f"?login_hint={marketing['Username']}"))
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Customize Application" in text and "Nothing was stored" in text
    with sessions() as session:
        assert session.scalars(select(Installation)).all() == []


def test_code_with_another_flows_state_fails_pkce(client, crm, sessions) -> None:  # type: ignore[no-untyped-def]
    first = parse_qs(urlsplit(approve(client, crm)).query)
    second = parse_qs(urlsplit(approve(client, crm)).query)
    # The code of the first flow with the state (and so the verifier) of the second.
    response = client.get(f"/oauth/salesforce/callback?code={first['code'][0]}&state={second['state'][0]}")
    assert response.status_code == 400
    assert "invalid_request" in response.get_data(as_text=True)
    with sessions() as session:
        assert session.scalars(select(Installation)).all() == []


def test_denied_consent_and_reused_state(client, crm, sessions) -> None:  # type: ignore[no-untyped-def]
    crm.sandbox.sf_oauth.next_decision = "deny"
    denied = client.get(approve(client, crm))
    assert denied.status_code == 400 and "access_denied" in denied.get_data(as_text=True)
    callback = approve(client, crm)
    assert client.get(callback).status_code == 200
    replay = client.get(callback)
    assert replay.status_code == 400 and "already used" in replay.get_data(as_text=True)


def test_an_existing_installation_gets_human_labels_and_a_percent_probability(client, crm) -> None:  # type: ignore[no-untyped-def]
    """Fields provisioned by an older leadq (raw picklist labels, probability as Number(5, 4)) are
    brought up to date in place by the next install, once; the values already stored are kept."""
    org = org_of(crm)
    old = {
        "LeadQ_Verdict__c": {
            "type": "Picklist",
            "valueSet": {
                "restricted": True,
                "valueSetDefinition": {
                    "value": [
                        {"fullName": v, "label": v}
                        for v in ("sales_ready", "nurture", "disqualified", "needs_info")
                    ]
                },
            },
        },
        "LeadQ_Probability__c": {"type": "Number", "precision": 5, "scale": 4},
    }
    install(client, crm)
    for sobject in ("Lead", "Contact", "Account"):  # as an older leadq left them
        for name, meta in old.items():
            field_id = org.custom_field_id(sobject, name.removesuffix("__c"))
            assert field_id and org.update_custom_field(field_id, meta | {"label": name}) is None
    assert org.schema["Lead"]["LeadQ_Probability__c"].type == "double"
    lead = next(r for r in org.live("Lead") if not r["IsConverted"])
    org.update("Lead", lead["Id"], {"LeadQ_Probability__c": 0.9043}, org.admin_user_id, notify=False)
    page = install(client, crm).get_data(as_text=True)
    assert "connected to Salesforce" in page
    verdict = org.schema["Lead"]["LeadQ_Verdict__c"].describe()
    shown = {p["value"]: p["label"] for p in verdict["picklistValues"]}
    assert shown == {
        "sales_ready": "Sales-ready",
        "nurture": "Nurture",
        "disqualified": "Disqualified",
        "needs_info": "Needs info",
    }
    assert org.schema["Contact"]["LeadQ_Probability__c"].describe()["type"] == "percent"
    assert org.get("Lead", lead["Id"])["LeadQ_Probability__c"] == 0.9043, "stored values are kept"
    calls_before = len(crm.requests)
    install(client, crm)
    tooling = [e for e in crm.requests.entries()[calls_before:] if "tooling" in e.path]
    assert tooling == [], "once up to date, a reinstall changes nothing"
