"""F19 (security review, December 2026): the outbound endpoint does not tell which organizations
use leadq, and one version of a record has one key whether it came as SOAP (``...000Z``) or REST
(``...000+0000``)."""

from __future__ import annotations

from sqlalchemy import select

from connector.salesforce.stamps import change_key
from core.records import ObjectType
from sandbox.salesforce.outbound import envelope
from storage.tables import ProcessedEvent
from tests.support import salesforce as salesforce_support
from tests.support.salesforce import org_of, outbound_path
from workers.services.poll import poll_changes
from workers.services.sync import handle_changes

# Fixtures shared with other test directories (tests/support).
crm = salesforce_support.crm
ctx = salesforce_support.ctx
installed = salesforce_support.installed
leadq_settings = salesforce_support.leadq_settings
runtime = salesforce_support.runtime


def _message(org_id: str, lead: dict, n: int = 1) -> bytes:
    values = {k: lead[k] for k in ("Id", "LastModifiedById", "SystemModstamp")}
    return envelope(
        org_id, "04k000000000001AAA", "https://x.example", [(f"04l00000000{n:04d}AAA", "Lead", values)]
    )


def test_f19_known_and_unknown_organizations_get_the_same_answer(client, crm, installed) -> None:
    lead = next(r for r in org_of(crm).live("Lead") if not r["IsConverted"])
    known = client.post("/webhooks/salesforce", data=_message(crm.org_id, lead), content_type="text/xml")
    unknown = client.post(
        "/webhooks/salesforce", data=_message("00D000000000999AAA", lead), content_type="text/xml"
    )
    assert (known.status_code, known.data) == (unknown.status_code, unknown.data)
    assert known.status_code == 404


def test_f19_soap_and_rest_stamps_of_one_version_are_one_change(client, crm, ctx, sessions, enqueued) -> None:
    org = org_of(crm)
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    first, second = [r for r in org.live("Lead") if not r["IsConverted"]][:2]
    poll_changes(ctx)
    handle_changes(ctx, window_s=0)
    org.update("Lead", first["Id"], {"Title": "VP Revenue Operations"}, rep["Id"], notify=False)
    rest = org.get("Lead", first["Id"])["SystemModstamp"]
    assert rest.endswith("+0000")
    soap = rest[:-5] + "Z"
    assert change_key(ObjectType.LEAD, first["Id"], soap) == change_key(ObjectType.LEAD, first["Id"], rest)
    # The poll sees the first lead's version (REST), then its outbound message arrives (SOAP):
    assert poll_changes(ctx).new == 1
    path = outbound_path(client.application)
    body = _message(crm.org_id, org.get("Lead", first["Id"]), 1)
    assert soap.encode() in body, "the sandbox writes SOAP date-times, as Salesforce does"
    assert client.post(path, data=body, content_type="text/xml").status_code == 200
    handle_changes(ctx, window_s=0)
    # The second lead's outbound message arrives first and is handled; then the poll sees it:
    org.update("Lead", second["Id"], {"Title": "Chief Revenue Officer"}, rep["Id"], notify=False)
    # The rep's version: leadq's write-back that follows changes the stamp again (in the next second,
    # on a loaded machine), and that echo is not what the handler read.
    by_rep = org.get("Lead", second["Id"])["SystemModstamp"]
    body = _message(crm.org_id, org.get("Lead", second["Id"]), 2)
    assert client.post(path, data=body, content_type="text/xml").status_code == 200
    handle_changes(ctx, window_s=0)
    assert poll_changes(ctx).new == 0, "the version the handler read is the poll's key too"
    with sessions() as db:
        keys = {
            lead["Id"]: set(
                db.scalars(select(ProcessedEvent.event_key).where(ProcessedEvent.record_id == lead["Id"]))
            )
            for lead in (first, second)
        }
    v1 = change_key(ObjectType.LEAD, first["Id"], rest)
    assert v1 in keys[first["Id"]] and not any(k.startswith("sf-om:") for k in keys[first["Id"]]), keys
    v2 = change_key(ObjectType.LEAD, second["Id"], by_rep)
    assert {v2, "sf-om:04l000000000002AAA"} <= keys[second["Id"]], keys
    assert "sf-om:04l000000000001AAA" not in enqueued.keys, "a duplicate of the poll's version"
