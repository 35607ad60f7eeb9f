"""HubSpot: after a real worker's backfill, every contact's leadq reasons open with the summary line,
end with the what-if leadq scored (where one was found) and fit the property; the properties a rep
sees carry human labels and show the probability as a percentage."""

from __future__ import annotations

import pytest

from connector.formatting import LONG_TEXT_LIMIT
from core.records import CrmKind
from tests.integration.reasons_field import backfill_with_a_worker, check_fields, stored_what_ifs


@pytest.mark.redis
def test_a_rep_reads_a_summary_then_reasons_then_what_would_change_the_verdict(
    leadq_settings, installed, crm, sessions, app, redis_client
) -> None:
    backfill_with_a_worker(leadq_settings, app, sessions, redis_client, installed, "contact")
    portal = crm.sandbox.portals[crm.portal_id]
    check_fields(
        (
            (r.id, r.props.get("leadq_tier"), r.props.get("leadq_verdict"), r.props.get("leadq_reasons"))
            for r in portal.live("contacts")
        ),
        LONG_TEXT_LIMIT[CrmKind.HUBSPOT],
        lambda: stored_what_ifs(sessions),
    )
    props = portal.properties["contacts"]
    assert (props["leadq_reasons"]["type"], props["leadq_reasons"]["fieldType"]) == ("string", "textarea")
    assert props["leadq_reasons"]["groupName"] == "leadq"
    labels = {o["value"]: o["label"] for o in props["leadq_verdict"]["options"]}
    assert labels == {
        "sales_ready": "Sales-ready",
        "nurture": "Nurture",
        "disqualified": "Disqualified",
        "needs_info": "Needs info",
    }
    assert props["leadq_probability"]["numberDisplayHint"] == "percentage"
