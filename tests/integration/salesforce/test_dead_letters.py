"""Salesforce's refusals, as its REST API words them, grouped into causes: records refused for
the same picklist each get one dead letter and share one cause, whatever value each was sent."""

from __future__ import annotations

from core.records import CrmKind, FieldUpdate, ObjectType, RecordRef
from storage import dead_letters
from storage.failure_causes import FIX_FIELDS
from tests.support.salesforce import org_of


def _ref(crm, record_id: str) -> RecordRef:
    return RecordRef(CrmKind.SALESFORCE, crm.org_id, ObjectType.LEAD, record_id)


def test_refusals_of_one_restricted_picklist_are_one_cause_and_a_converted_lead_another(
    ctx, crm, sessions
) -> None:
    org = org_of(crm)
    leads = [r["Id"] for r in org.live("Lead") if not r["IsConverted"]][:12]
    converted = next(r["Id"] for r in org.live("Lead") if r["IsConverted"])
    updates = [FieldUpdate(_ref(crm, i), "leadq_verdict", f"verdict-{n % 3}") for n, i in enumerate(leads)]
    updates += [FieldUpdate(_ref(crm, i), "leadq_tier", "L2") for i in leads]
    updates.append(FieldUpdate(_ref(crm, converted), "leadq_tier", "L1"))
    for _ in range(2):  # the same refusals twice: still one dead letter per record
        report = ctx.adapter.write(updates)
        with sessions.begin() as session:
            dead_letters.record_outcome(session, ctx.installation_id, report.written, report.failed, updates)
    with sessions() as session:
        groups = dead_letters.group_failures(session, ctx.installation_id)
        assert dead_letters.failing_records(session, ctx.installation_id) == 13
    assert [g.count for g in groups] == [12, 1]
    picklist, lead = groups
    assert picklist.text.startswith("LeadQ_Verdict__c INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST (")
    assert picklist.text.endswith(": <value>)")  # each record was sent another bad value
    assert picklist.hint == FIX_FIELDS
    assert {r.attempts for r in picklist.records} == {2}
    assert lead.reason == "converted" and lead.hint is None and lead.examples() == [converted]
