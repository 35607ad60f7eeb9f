"""Reconcile finds each kind of disagreement between the CRM and leadq, --fix repairs only leadq's own
wrong fields, and the admin app's Sync page and `leadq status` show the result."""

from __future__ import annotations

import html

from sqlalchemy import delete, select

from connector import formatting
from core.records import FieldUpdate, ObjectType, RecordRef
from sandbox.hubspot.store import Source
from storage import ledger
from storage.tables import LedgerEntry, ScoreRow
from tests.support.admin import csrf_of, sign_in
from workers.services.backfill import run_backfill
from workers.services.reconcile import reconcile


def test_reconcile_tells_each_kind_apart_and_fix_repairs_only_leadqs_fields(  # type: ignore[no-untyped-def]
    client, accounts, ctx, sessions, crm
) -> None:
    run_backfill(ctx, ObjectType.CONTACT)
    run_backfill(ctx, ObjectType.ACCOUNT)
    first = reconcile(ctx)
    assert first.counts["match"] == first.checked > 400, first.counts
    portal = crm.sandbox.portals[crm.portal_id]
    with sessions() as db:
        rows = list(
            db.scalars(select(ScoreRow).where(ScoreRow.object_type == "contact").order_by(ScoreRow.id))
        )
    wrong, person, gone, missing = rows[0], rows[1], rows[2], rows[3]
    # leadq once wrote a tenth of the fit (the old formatting bug): the CRM and the ledger hold it.
    tenth = str(int(formatting.number(wrong.fit, 0)) // 10)
    ref = RecordRef(ctx.crm, ctx.tenant_id, ObjectType.CONTACT, wrong.record_id)
    ctx.adapter.write([FieldUpdate(ref, "leadq_fit_score", tenth)])
    with sessions.begin() as db:
        ledger.record_writes(db, ctx.installation_id, [FieldUpdate(ref, "leadq_fit_score", tenth)])
    # A rep overrides the tier; another record is deleted; leadq never wrote a fourth's reasons.
    tier = "L4" if person.tier != "L4" else "L1"
    portal.update(
        "contacts", person.record_id, {"leadq_tier": tier}, Source("CRM_UI", "userId:9000001", 9000001)
    )
    portal.archive("contacts", gone.record_id, Source("CRM_UI", "userId:9000001", 9000001))
    portal.update("contacts", missing.record_id, {"leadq_reasons": ""}, Source("INTEGRATION", "0"))
    with sessions.begin() as db:
        db.execute(
            delete(LedgerEntry).where(
                LedgerEntry.record_id == missing.record_id, LedgerEntry.field_key == "leadq_reasons"
            )
        )

    found = reconcile(ctx)
    assert found.counts["wrong"] == 1 and found.examples["wrong"][0]["record"] == wrong.record_id
    assert found.examples["wrong"][0]["fields"][0]["crm"] == tenth
    assert found.counts["changed"] == 1 and found.examples["changed"][0]["fields"][0]["by"] == "a person"
    assert found.counts["deleted"] == 1 and found.examples["deleted"][0]["record"] == gone.record_id
    assert (
        found.counts["never_written"] == 1
        and found.examples["never_written"][0]["record"] == missing.record_id
    )
    assert found.counts["match"] == found.checked - 4

    sign_in(client, "alice")
    page = html.unescape(client.get(f"/installations/{accounts['alice']}").get_data(as_text=True))
    assert f"Reconciled: {found.counts['match']:,} of {found.checked:,} records match" in page
    assert f"leadq fit score</span>: CRM {tenth}, leadq {formatting.number(wrong.fit, 0)}" in page
    assert "(changed by a person)" in page and "Rewrite the wrong and missing fields" in page
    assert csrf_of(page)

    fixed = reconcile(ctx, fix=True)
    assert fixed.fixed == 2  # the wrong fit and the missing reasons; the person's tier stays
    after = reconcile(ctx)
    assert after.counts["wrong"] == 0 and after.counts["never_written"] == 0
    assert after.counts["changed"] == 1 and after.counts["deleted"] == 1
    assert portal.get("contacts", wrong.record_id).props["leadq_fit_score"] == formatting.number(wrong.fit, 0)
    assert portal.get("contacts", person.record_id).props["leadq_tier"] == tier
    # The admin app shows the value the CRM holds (the same rounding), not a value of its own.
    lead = html.unescape(
        client.get(f"/installations/{accounts['alice']}/leads/contact/{wrong.record_id}").get_data(
            as_text=True
        )
    )
    shown = portal.get("contacts", wrong.record_id).props["leadq_fit_score"]
    assert f"Fit {shown}," in lead
