"""``POST /webhooks/salesforce``: outbound messages acknowledged only once recorded; every bad
input refused with a SOAP fault and a clear status, nothing lost."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.salesforce.outbound import envelope
from storage import installations
from storage.tables import ProcessedEvent
from tests.support.salesforce import org_of, outbound_path


def _message(crm, leads, org_id=None, modified_by="005000000000001AAA"):
    items = [
        (
            f"04l00000000{i:04d}AAA",
            "Lead",
            {
                "Id": lead["Id"],
                "Email": lead.get("Email"),
                "LastModifiedById": modified_by,
                "SystemModstamp": lead["SystemModstamp"],
            },
        )
        for i, lead in enumerate(leads)
    ]
    return envelope(org_id or crm.org_id, "04k000000000001AAA", crm.base_url, items)


def _post(client, body: bytes):
    path = outbound_path(client.application)
    return client.post(path, data=body, content_type="text/xml; charset=utf-8")


def _open_leads(crm, n: int):
    return [r for r in org_of(crm).live("Lead") if not r["IsConverted"]][:n]


def test_message_is_recorded_then_acknowledged_and_deduplicated(
    client, crm, installed, enqueued, sessions
) -> None:
    leads = _open_leads(crm, 3)
    response = _post(client, _message(crm, leads))
    assert response.status_code == 200 and b"<Ack>true</Ack>" in response.data
    assert response.content_type.startswith("text/xml")
    with sessions() as session:
        rows = session.scalars(select(ProcessedEvent)).all()
    assert sorted(r.record_id for r in rows) == sorted(lead["Id"] for lead in leads)
    assert all(r.status == "queued" and r.object_type == "lead" for r in rows)
    assert sorted(enqueued.keys) == sorted(r.event_key for r in rows)
    again = _post(client, _message(crm, leads))  # Salesforce redelivers when an ack was lost
    assert again.status_code == 200 and len(enqueued.keys) == 3


def test_leadqs_own_changes_are_dropped(client, crm, installed, enqueued) -> None:
    response = _post(client, _message(crm, _open_leads(crm, 2), modified_by=org_of(crm).admin_user_id))
    assert response.status_code == 200 and enqueued.keys == []


def test_unknown_organization_is_refused(client, crm, installed, enqueued) -> None:
    """Another organization's message at this installation's URL is not authenticated: 404, as for
    any unknown endpoint (no answer tells an outsider which organizations use leadq)."""
    response = _post(client, _message(crm, _open_leads(crm, 1), org_id="00D000000000999AAA"))
    assert response.status_code == 404 and b"unknown-endpoint" in response.data and b"Fault" in response.data
    assert enqueued.keys == []


def test_malformed_and_hostile_xml_is_refused(client, crm, installed, enqueued) -> None:
    external = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">&e;</soapenv:Envelope>'
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<x>&b;</x>"
    )
    cases = {
        external: (400, b"forbidden-xml"),
        laughs: (400, b"forbidden-xml"),
        b"<not-closed": (400, b"malformed"),
        b"": (400, b"malformed"),
        b'<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soapenv:Body/></soapenv:Envelope>": (400, b"malformed"),
        _message(crm, _open_leads(crm, 1)).replace(b"sf:Lead", b"sf:Case"): (400, b"unsupported-object"),
        _message(crm, _open_leads(crm, 1)).replace(b"<sf:Id>", b"<sf:Id>x'--"): (400, b"malformed"),
        b"<x>" + b"a" * 2_000_000 + b"</x>": (413, b"too-large"),
    }
    for body, (status, reason) in cases.items():
        response = _post(client, body)
        assert (response.status_code, reason in response.data) == (status, True), (body[:60], response.data)
    assert enqueued.keys == []


def test_paused_installation_keeps_the_changes(client, crm, installed, enqueued, sessions) -> None:
    with sessions.begin() as session:
        installations.set_status(session, installed, installations.NEEDS_REAUTH, "revoked")
    response = _post(client, _message(crm, _open_leads(crm, 2)))
    assert response.status_code == 200 and enqueued.keys == []
    with sessions() as session:
        assert [r.status for r in session.scalars(select(ProcessedEvent))] == ["paused", "paused"]


def test_secret_path_token(client, crm, installed, app) -> None:
    """Only the installation's own endpoint URL is accepted; without it, or with a wrong one, 404."""
    body = _message(crm, _open_leads(crm, 1))
    right = outbound_path(app)
    assert client.post("/webhooks/salesforce", data=body, content_type="text/xml").status_code == 404
    assert client.post(right + "x", data=body, content_type="text/xml").status_code == 404
    assert client.post(right + "/x", data=body, content_type="text/xml").status_code == 404
    assert client.post(right[:-1], data=body, content_type="text/xml").status_code == 404
    assert client.post(right, data=body, content_type="text/xml").status_code == 200
