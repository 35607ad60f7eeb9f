"""Companies the CRM refuses get one dead letter each too, and a retry scores them again (it
does not resolve them unretried): a leadq company property archived in HubSpot, then restored."""

from __future__ import annotations

from storage import dead_letters
from storage.failure_causes import FIX_FIELDS
from workers.services.accounts import score_accounts
from workers.services.retry import retry_dead_letters


def test_refused_companies_keep_one_dead_letter_each_until_a_retry_writes_them(ctx, crm, sessions):
    portal = crm.sandbox.portals[crm.portal_id]
    companies = sorted(portal.objects["companies"], key=int)[:25]
    portal.properties["companies"]["leadq_tier"]["archived"] = True  # an admin archived it in HubSpot
    first = score_accounts(ctx, companies)
    assert first.failed > 0
    for _ in range(2):
        retry_dead_letters(ctx)
    with sessions() as session:
        groups = dead_letters.group_failures(session, ctx.installation_id)
    assert [g.count for g in groups] == [first.failed]
    assert groups[0].text.startswith("leadq_tier PROPERTY_DOESNT_EXIST (")
    assert groups[0].hint == FIX_FIELDS
    assert {r.object_type for r in groups[0].records} == {"account"}
    assert {r.attempts for r in groups[0].records} == {3}

    portal.properties["companies"]["leadq_tier"]["archived"] = False  # restored: a retry now writes
    assert retry_dead_letters(ctx) == (first.failed, 0)
    with sessions() as session:
        assert dead_letters.failing_records(session, ctx.installation_id) == 0
    tiers = {portal.get("companies", i).props.get("leadq_tier") for i in groups[0].examples()}
    assert tiers and tiers <= {"L1", "L2", "L3", "L4"}
