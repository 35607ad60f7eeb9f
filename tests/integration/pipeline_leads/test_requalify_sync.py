"""Re-qualification on the change path, through leadq's store: a contact leadq last scored L3/L4 with
an engagement long ago engages again and crosses into L1/L2; the CRM's reasons (the contact's and its
open Leads records') lead with the trigger, and keep it on a re-run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from sandbox.hubspot.store import Source
from storage import events as event_store
from storage.tables import ScoreRow
from workers.services.backfill import run_backfill
from workers.services.sync import handle_changes

OPEN = {"new-stage-id", "attempting-stage-id", "connected-stage-id"}


def _change(ctx, sessions, contact_id: str, key: str) -> None:
    with sessions.begin() as session:
        event_store.record_new(
            session, ctx.installation_id, [(key, "contact", contact_id, datetime.now(UTC))]
        )
    handle_changes(ctx, window_s=0)


def test_a_dormant_contact_engaging_again_into_l1_is_flagged_in_the_crm(ctx, crm, sessions):
    run_backfill(ctx)
    portal = crm.sandbox.portals[crm.portal_id]
    truth = crm.sandbox.truth[crm.portal_id].leads
    contact_id = next(t["contact"] for t in truth.values() if t["stage"] in OPEN)
    leads = [i for i, t in truth.items() if t["contact"] == contact_id and t["stage"] in OPEN]
    # What leadq stored with its previous score: L4, last engaged 120 days ago (SQLite keeps no zone).
    long_ago = datetime.now(UTC) - timedelta(days=120)
    with sessions.begin() as session:
        newest = session.scalar(
            select(ScoreRow.id)
            .where(ScoreRow.object_type == "contact", ScoreRow.record_id == contact_id)
            .order_by(ScoreRow.id.desc())
        )
        session.execute(
            update(ScoreRow).where(ScoreRow.id == newest).values(tier="L4", last_engaged_at=long_ago)
        )
    # It engages again today, as a senior buyer: hot now.
    now_ms = str(int(datetime.now(UTC).timestamp() * 1000))
    portal.update(
        "contacts",
        contact_id,
        {
            "jobtitle": "Chief Revenue Officer",
            "num_conversion_events": "6",
            "recent_conversion_date": now_ms,
            "hs_analytics_last_visit_timestamp": now_ms,
            "hs_analytics_num_page_views": "40",
        },
        Source("INTEGRATION"),
    )
    _change(ctx, sessions, contact_id, "requalify-1")
    contact = portal.get("contacts", contact_id).props
    assert contact["leadq_tier"] in ("L1", "L2"), contact["leadq_reasons"]
    first_item = contact["leadq_reasons"].splitlines()[1]
    assert first_item.startswith("* re-engaged after 1") and first_item.endswith(" days"), first_item
    for lead_id in leads:
        assert portal.get("leads", lead_id).props["leadq_reasons"] == contact["leadq_reasons"]
    # A re-run keeps the flag while the contact stays L1/L2 (the same reasons: nothing to write).
    _change(ctx, sessions, contact_id, "requalify-2")
    assert portal.get("contacts", contact_id).props["leadq_reasons"] == contact["leadq_reasons"]
