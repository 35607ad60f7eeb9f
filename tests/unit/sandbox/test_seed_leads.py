"""Seeded Leads records: a quarter of the contacts, worked over time, and nothing else moved."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal

# sha256 of every contact, company and deal (properties, history, stamps), their associations,
# the owners and the id counter, computed with the seed as it was before Leads existed (commit
# 8df5769): leads must leave all of it byte-identical, as many tests count on exact data.
BEFORE_LEADS = {
    (7, 120): "14aace71b04b2455a231959a84ea067cdc9c4f8e3ce9b1d268782331df9d781a",
    (1, 200): "6a167bc8de53b3162b9a156db70682be4960d8355bd04798cd9c2da2d7a382df",
    (11, 150): "b3ddb16465b3ce64e021dc1e3b79e4ed286b45c19c867b44e7c46dec34948af5",
}


def _portal(seed: int, records: int):
    portal = Portal(portal_id=1, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    return portal, seed_portal(portal, seed=seed, records=records)


def _digest_without_leads(portal: Portal) -> str:
    rows = []
    for object_type in ("contacts", "companies", "deals"):
        for r in sorted(portal.live(object_type), key=lambda r: int(r.id)):
            history = dict(sorted(r.history.items()))
            rows.append([object_type, r.id, sorted(r.props.items()), history, r.created_ms, r.updated_ms])
    assoc = sorted(
        [*key, sorted((i, sorted(v)) for i, v in ids.items())]
        for key, ids in portal.associations.items()
        if "leads" not in (key[0], key[2])
    )
    blob = json.dumps([rows, assoc, portal.owners, portal.next_id], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def test_leads_leave_every_contact_company_deal_and_owner_as_the_seed_made_them():
    for (seed, records), digest in BEFORE_LEADS.items():
        portal, truth = _portal(seed, records)
        assert truth.leads, "the seed made no leads"
        assert _digest_without_leads(portal) == digest, (seed, records)


def test_a_quarter_of_contacts_have_a_lead_mostly_open_some_closed_in_the_past():
    portal, truth = _portal(3, 800)
    leads = portal.live("leads")
    assert 0.2 < len(leads) / len(portal.live("contacts")) < 0.3
    assert {r.id for r in leads} == set(truth.leads)
    stages = Counter(r.props["hs_pipeline_stage"] for r in leads)
    open_share = sum(stages[s] for s in ("new-stage-id", "attempting-stage-id", "connected-stage-id")) / len(
        leads
    )
    assert 0.6 < open_share < 0.95 and stages["qualified-stage-id"] and stages["unqualified-stage-id"]
    anchor_ms = int(DEFAULT_ANCHOR.timestamp() * 1000)
    for lead in leads:
        known = truth.leads[lead.id]
        contact = portal.get("contacts", known["contact"])
        assert portal.associated("leads", lead.id, "contacts") == {contact.id: {578, 608}}
        assert lead.props["hs_primary_contact_id"] == contact.id
        assert lead.props.get("hubspot_owner_id", "") == contact.props.get("hubspot_owner_id", "")
        assert lead.props["hs_pipeline_stage"] == known["stage"] and known["stage_at"] <= anchor_ms
        closed = known["stage"] in ("qualified-stage-id", "unqualified-stage-id")
        assert lead.props["hs_lead_is_open"] == ("false" if closed else "true")
        assert lead.created_ms >= contact.created_ms
    labelled = [r for r in leads if r.props.get("hs_lead_label")]
    assert 0.2 < len(labelled) / len(leads) < 0.5
    assert all(r.history["hs_lead_label"][0]["sourceType"] == "CRM_UI" for r in labelled)


def test_a_contact_record_page_lists_its_leads():
    from flask import Flask

    from sandbox.hubspot.record_pages import record_page

    portal, truth = _portal(7, 120)
    lead_id, known = next((i, t) for i, t in truth.leads.items() if t["label"])
    with Flask("t").app_context():
        html = record_page(portal, "contacts", portal.get("contacts", known["contact"])).get_data(
            as_text=True
        )
    name = portal.get("leads", lead_id).props["hs_lead_name"]
    assert name in html and f"Label: {known['label'].title()}" in html
