"""Every value written is the value decided (Salesforce): scores that are multiples of ten land whole.

The scores go through the real write path (write-back formatting, write policy, the adapter's
composite update against the sandbox org); only their fit and engagement are set to the values
under test.
"""

from __future__ import annotations

from core.records import ObjectType
from tests.integration.sync.test_written_values import ENGAGEMENTS, FITS, PROBABILITIES, _with_values, decided
from tests.support.salesforce import org_of
from workers.services import sync


def test_fit_and_engagement_land_in_salesforce_exactly(ctx, crm, monkeypatch) -> None:
    org = org_of(crm)
    ids = [r["Id"] for r in org.live("Lead") if not r["IsConverted"]][: len(ENGAGEMENTS)]
    chosen = {i: (float(FITS[n % len(FITS)]), float(ENGAGEMENTS[n])) for n, i in enumerate(ids)}
    _with_values(monkeypatch, chosen)
    report = sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.LEAD, ids))
    assert report.failed == 0 and report.written_records == len(ids)
    for record_id, (fit, engagement) in chosen.items():
        row = org.get("Lead", record_id)
        assert row["LeadQ_Fit_Score__c"] == fit, (record_id, row["LeadQ_Fit_Score__c"])
        assert row["LeadQ_Engagement_Score__c"] == engagement
    # Read back through the API (JSON numbers such as 80.0), the values equal the decided ones.
    again = sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.LEAD, ids))
    assert again.writes == 0


def test_the_probability_is_a_percent_field_and_empty_when_disqualified(ctx, crm, monkeypatch) -> None:
    org = org_of(crm)
    ids = [r["Id"] for r in org.live("Lead") if not r["IsConverted"]][:6]
    chosen, extra = decided(ids)
    _with_values(monkeypatch, chosen, **extra)
    report = sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.LEAD, ids))
    assert report.failed == 0
    assert org.schema["Lead"]["LeadQ_Probability__c"].type == "percent"
    for n, (_p, text) in PROBABILITIES.items():
        assert org.get("Lead", ids[n])["LeadQ_Probability__c"] == float(text)  # 90.43 is 90.43%
    disqualified = org.get("Lead", ids[5])
    assert disqualified["LeadQ_Verdict__c"] == "disqualified"
    assert disqualified.get("LeadQ_Probability__c") is None
    again = sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.LEAD, ids))
    assert again.writes == 0
