"""Salesforce: after a real worker's backfill, every open lead's leadq reasons open with the summary
line, end with the what-if leadq scored (where one was found) and fit the long text area; the fields
a rep sees carry human labels and show the probability as a percent."""

from __future__ import annotations

import pytest

from connector.formatting import LONG_TEXT_LIMIT
from core.records import CrmKind
from tests.integration.reasons_field import backfill_with_a_worker, check_fields, stored_what_ifs
from tests.support.salesforce import org_of


@pytest.mark.redis
def test_a_rep_reads_a_summary_then_reasons_then_what_would_change_the_verdict(
    leadq_settings, installed, crm, sessions, app, redis_client
) -> None:
    backfill_with_a_worker(leadq_settings, app, sessions, redis_client, installed, "lead")
    org = org_of(crm)
    check_fields(
        (
            (r["Id"], r.get("LeadQ_Tier__c"), r.get("LeadQ_Verdict__c"), r.get("LeadQ_Reasons__c"))
            for r in org.live("Lead")
            if not r["IsConverted"]
        ),
        LONG_TEXT_LIMIT[CrmKind.SALESFORCE],
        lambda: stored_what_ifs(sessions),
    )
    schema = org.schema["Lead"]
    reasons = schema["LeadQ_Reasons__c"]
    assert (reasons.type, reasons.length) == ("textarea", LONG_TEXT_LIMIT[CrmKind.SALESFORCE])
    verdict = schema["LeadQ_Verdict__c"]
    assert dict(zip(verdict.values, verdict.labels, strict=True)) == {
        "sales_ready": "Sales-ready",
        "nurture": "Nurture",
        "disqualified": "Disqualified",
        "needs_info": "Needs info",
    }
    assert schema["LeadQ_Probability__c"].type == "percent"
