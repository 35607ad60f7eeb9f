"""A rep moves a Sales-ready lead (L1 or L2) to L4 in the CRM. leadq keeps the rep's tier, writes the verdict
that goes with it (Nurture: the CRM never shows L4 and Sales-ready together), says in the reasons
field who set the tier, records the change as the rep's feedback, and the lead page and the Leads
list show what the CRM shows beside leadq's own score. When the rep puts leadq's tier back, leadq's
own verdict returns."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import select

from storage import events as event_store
from storage.tables import Feedback
from tests.support.admin import sign_in
from tests.support.hubspot import ui_edit
from workers.services.reconcile import reconcile
from workers.services.sync import handle_changes


def _queue(ctx, sessions, record_ids, key: str) -> None:
    with sessions.begin() as session:
        event_store.record_new(
            session,
            ctx.installation_id,
            [(f"{key}-{r}", "contact", r, datetime.now(UTC)) for r in record_ids],
        )


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_reps_tier_is_kept_and_the_verdict_follows_it(ctx, crm, sessions, client, accounts):
    portal = crm.sandbox.portals[crm.portal_id]
    ids = [r.id for r in portal.live("contacts")]
    _queue(ctx, sessions, ids, "first")
    handle_changes(ctx, window_s=0)
    ready = [
        r for r in (portal.get("contacts", i) for i in ids) if r.props.get("leadq_verdict") == "sales_ready"
    ]
    assert ready, "the seed should give Sales-ready leads"
    lead = ready[0]
    tier = lead.props["leadq_tier"]
    assert tier in ("L1", "L2")

    ui_edit(crm, "contacts", lead.id, {"leadq_tier": "L4"})
    _queue(ctx, sessions, [lead.id], "rep")
    handle_changes(ctx, window_s=0)
    props = portal.get("contacts", lead.id).props
    assert props["leadq_tier"] == "L4", "the rep's tier is kept"
    assert props["leadq_verdict"] == "nurture", "L4 and Sales-ready never stand together in the CRM"
    summary = props["leadq_reasons"].splitlines()[0]
    assert summary.startswith(f"L4 · Nurture · tier set by a person (leadq scored {tier})"), summary
    with sessions() as db:
        said = [
            (f.field_key, f.leadq_value, f.human_value)
            for f in db.scalars(select(Feedback).where(Feedback.record_id == lead.id))
        ]
    assert ("leadq_tier", tier, "L4") in said, "the rep's tier is their feedback for the next training"

    # Reconcile agrees: the verdict and reasons are what leadq decided for the rep's tier; the tier is
    # the rep's change, kept.
    checked = reconcile(ctx)
    assert checked.counts["wrong"] == 0 and checked.counts["never_written"] == 0, checked.examples
    changed = [e for e in checked.examples.get("changed", []) if e["record"] == lead.id]
    assert [f["field"] for f in changed[0]["fields"]] == ["leadq_tier"], changed

    mine = accounts["alice"]
    sign_in(client, "alice")
    page = _text(client.get(f"/installations/{mine}/leads/contact/{lead.id}").get_data(as_text=True))
    assert "In HubSpot: L4, Nurture (tier set by a person)" in page
    assert f"leadq scored it {tier}, Sales-ready" in page
    listed = _text(client.get(f"/installations/{mine}/leads?q={lead.id}").get_data(as_text=True))
    assert f"L4 set by a person; leadq {tier} Nurture" in listed, listed

    # The rep puts leadq's tier back: leadq's own verdict returns, and the pages say leadq's score.
    ui_edit(crm, "contacts", lead.id, {"leadq_tier": tier})
    _queue(ctx, sessions, [lead.id], "back")
    handle_changes(ctx, window_s=0)
    props = portal.get("contacts", lead.id).props
    assert (props["leadq_tier"], props["leadq_verdict"]) == (tier, "sales_ready")
    assert props["leadq_reasons"].startswith(f"{tier} · Sales-ready · ")
    page = _text(client.get(f"/installations/{mine}/leads/contact/{lead.id}").get_data(as_text=True))
    header = page.split("Score history")[0]
    assert f"Latest score: {tier}, Sales-ready" in header and "set by a person" not in header


def test_a_rep_moving_a_routed_lead_is_kept_recorded_once_and_shown(ctx, crm, sessions, client, accounts):
    portal = crm.sandbox.portals[crm.portal_id]
    ids = [r.id for r in portal.live("contacts") if not r.props.get("hubspot_owner_id")][:80]
    _queue(ctx, sessions, ids, "first")
    handle_changes(ctx, window_s=0)
    routed = next(i for i in ids if portal.get("contacts", i).props.get("hubspot_owner_id"))
    leadqs = portal.get("contacts", routed).props["hubspot_owner_id"]
    other = next(str(o["id"]) for o in portal.owners if not o["archived"] and str(o["id"]) != leadqs)

    ui_edit(crm, "contacts", routed, {"hubspot_owner_id": other})
    for n in range(2):  # the rep's edit, then a later change to the same contact
        if n:
            ui_edit(crm, "contacts", routed, {"jobtitle": "VP Sales"})
        _queue(ctx, sessions, [routed], f"rep{n}")
        handle_changes(ctx, window_s=0)
        assert portal.get("contacts", routed).props["hubspot_owner_id"] == other, "the rep's owner stays"
    with sessions() as db:
        said = [
            (f.leadq_value, f.human_value)
            for f in db.scalars(
                select(Feedback).where(Feedback.record_id == routed, Feedback.field_key == "hubspot_owner_id")
            )
        ]
    assert said == [(leadqs, other)], "one piece of feedback, however often the contact changes after"

    mine = accounts["alice"]
    sign_in(client, "alice")
    page = _text(client.get(f"/installations/{mine}/leads/contact/{routed}").get_data(as_text=True))
    assert re.search(
        rf"Owner left as set by a person: '[^']+ \({other}\)' \(leadq proposed '[^']+ \({leadqs}\)'\)", page
    ), page
