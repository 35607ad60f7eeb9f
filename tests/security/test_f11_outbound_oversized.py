"""F11.1 (security review, December 2026), Salesforce side: oversized notification ids, record ids
and SystemModstamps are a clear 400 on every database (they were 500s on PostgreSQL's VARCHARs)."""

from __future__ import annotations

from sqlalchemy import func, select

from sandbox.salesforce.outbound import envelope
from storage.tables import ProcessedEvent
from tests.support import salesforce as salesforce_support
from tests.support.salesforce import org_of, outbound_path

# Fixtures shared with other test directories (tests/support).
crm = salesforce_support.crm
installed = salesforce_support.installed
leadq_settings = salesforce_support.leadq_settings


def test_f11_oversized_outbound_values_are_a_clear_400(client, crm, installed, sessions, enqueued) -> None:
    lead = next(r for r in org_of(crm).live("Lead") if not r["IsConverted"])["Id"]
    path = outbound_path(client.application)
    cases = {
        "300-character notification Id": ("04l" + "A" * 297, {"Id": lead}),
        "X * 300 SystemModstamp": ("04l000000000001AAA", {"Id": lead, "SystemModstamp": "X" * 300}),
        "long digits SystemModstamp": (
            "04l000000000002AAA",
            {"Id": lead, "SystemModstamp": "2026-12-02T14:38:05." + "0" * 300 + "Z"},
        ),
        "300-character record Id": ("04l000000000003AAA", {"Id": "00Q" + "B" * 297}),
    }
    for name, (notification_id, values) in cases.items():
        body = envelope(
            crm.org_id, "04k000000000001AAA", "https://x.example", [(notification_id, "Lead", values)]
        )
        answer = client.post(path, data=body, content_type="text/xml")
        assert answer.status_code == 400, (name, answer.status_code, answer.data[:300])
        assert b"malformed" in answer.data and b"Fault" in answer.data, name
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
    assert enqueued.keys == []
