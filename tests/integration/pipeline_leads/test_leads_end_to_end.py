"""HubSpot's Leads object end to end with a real worker: a backfill scores every open Leads record
with its contact's score and a label from the tier, leaves the labels reps set and the closed leads
alone; a contact edit delivered as a webhook updates the contact and its open leads in one batch per
object type; a rep's label edit is never overwritten; `reconcile` covers the Leads records."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from leadq import live_stack
from storage.tables import Installation, ProcessedEvent
from tests.support import sync as sync_support
from tests.support.hubspot import install, ui_edit
from tests.support.sync import backfill_on_worker, wait_until
from workers.services.context import Runtime, build_context
from workers.services.reconcile import reconcile

served = sync_support.served
worker = sync_support.worker

OPEN = {"new-stage-id", "attempting-stage-id", "connected-stage-id"}
LABELS = {"L1": "HOT", "L2": "WARM", "L3": "COLD", "L4": "COLD"}
LEADQ = ("leadq_tier", "leadq_verdict", "leadq_fit_score", "leadq_engagement_score", "leadq_reasons")


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=67, records=400, deliver_webhooks=True, rate_limit=10_000)


@pytest.fixture
def live_crm(crm):
    return crm


def _settled(sessions, installation_id: int) -> bool:
    with sessions() as db:
        queued = db.scalar(
            select(func.count())
            .select_from(ProcessedEvent)
            .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == "queued")
        )
    return queued == 0


def _updates(crm, object_name: str, record_id: str) -> list:
    return crm.requests.entries(
        lambda e: (
            e.path.endswith(f"/{object_name}/batch/update")
            and any(i["id"] == record_id for i in e.body["inputs"])
        )
    )


@pytest.mark.redis
def test_leads_records_carry_their_contacts_score_and_a_reps_label_wins(served, live_crm, worker, sessions):
    settings, url, app = served
    install(app.test_client(), live_crm)
    with sessions() as db:
        installation_id = db.scalars(select(Installation.id)).one()
    live_stack.subscribe_webhooks(live_crm, f"{url}/webhooks/hubspot", ("jobtitle", "leadq_tier"))
    portal = live_crm.sandbox.portals[live_crm.portal_id]
    truth = live_crm.sandbox.truth[live_crm.portal_id].leads
    open_leads = {i: t for i, t in truth.items() if t["stage"] in OPEN}
    assert len(open_leads) > 30 and len(open_leads) < len(truth)  # the seed has open and closed leads

    # The backfill on the real worker: contacts (each page with its contacts' open leads), companies.
    assert backfill_on_worker(app, sessions, installation_id, timeout=300), "the backfill did not finish"
    for lead_id, facts in open_leads.items():
        lead, contact = portal.get("leads", lead_id).props, portal.get("contacts", facts["contact"]).props
        for key in LEADQ:
            assert lead.get(key) == contact.get(key), (lead_id, key)
        if facts["label_source"] == "CRM_UI":
            assert lead.get("hs_lead_label") == facts["label"], lead_id  # a rep's label stands
        else:
            assert lead.get("hs_lead_label") == LABELS[contact["leadq_tier"]], lead_id
        if facts["owner"]:
            assert lead.get("hubspot_owner_id") == facts["owner"], lead_id  # its owner stands
    for lead_id in truth:
        if lead_id not in open_leads:
            assert not portal.get("leads", lead_id).props.get("leadq_tier"), lead_id  # closed: left alone
    assert wait_until(lambda: _settled(sessions, installation_id), timeout=60)

    # A contact edit: the contact and its open leads, one batch update per object type.
    contact_id = next(
        t["contact"]
        for t in open_leads.values()
        if sum(1 for o in open_leads.values() if o["contact"] == t["contact"]) == 1 and not t["label_source"]
    )
    (lead_id,) = [i for i, t in open_leads.items() if t["contact"] == contact_id]
    live_crm.requests.clear()
    ui_edit(live_crm, "contacts", contact_id, {"jobtitle": "Chief Executive Officer"})
    assert wait_until(lambda: _updates(live_crm, "leads", lead_id), timeout=30), "the lead was not updated"
    contact_writes, lead_writes = (
        _updates(live_crm, "contacts", contact_id),
        _updates(live_crm, "leads", lead_id),
    )
    assert len(contact_writes) == 1 and len(lead_writes) == 1
    assert all(i.get("properties") for i in lead_writes[0].body["inputs"])
    lead, contact = portal.get("leads", lead_id).props, portal.get("contacts", contact_id).props
    assert [lead.get(k) for k in LEADQ] == [contact.get(k) for k in LEADQ]

    # A rep sets the lead's label; a later re-score of the contact leaves it.
    mine = "COLD" if lead["hs_lead_label"] != "COLD" else "HOT"
    ui_edit(live_crm, "leads", lead_id, {"hs_lead_label": mine})
    assert wait_until(lambda: _settled(sessions, installation_id), timeout=30)
    ui_edit(live_crm, "contacts", contact_id, {"jobtitle": "VP Sales"})
    assert wait_until(
        lambda: (
            portal.get("leads", lead_id).props.get("leadq_reasons")
            == portal.get("contacts", contact_id).props.get("leadq_reasons")
            and _settled(sessions, installation_id)
        ),
        timeout=30,
    )
    assert live_crm.wait_for_webhooks(10)
    assert portal.get("leads", lead_id).props["hs_lead_label"] == mine

    assert wait_until(lambda: _settled(sessions, installation_id), timeout=30)
    _a_rep_moves_another_contact_to_l4(live_crm, sessions, installation_id, open_leads, contact_id)

    # Reconcile reads the Leads records back: leadq's fields match; reps' labels are theirs.
    runtime = Runtime(settings, sessions, app.extensions["leadq"].vault, app.extensions["leadq"].redis)
    result = reconcile(build_context(runtime, installation_id))
    leads = result.by_object.get("pipeline_lead", {})
    assert sum(leads.values()) == len(open_leads)
    assert result.counts.get("wrong", 0) == 0, str(result.examples.get("wrong"))[:4000]
    assert leads.get("never_written", 0) == 0 and leads.get("deleted", 0) == 0, result.examples

    # A label a rep set before leadq wrote one is theirs by policy, not a difference; the label leadq
    # wrote and a rep changed above is the one record changed in the CRM.
    assert leads.get("changed", 0) == 1, str(result.examples.get("changed"))[:2000]


def _a_rep_moves_another_contact_to_l4(live_crm, sessions, installation_id, open_leads, contact_id) -> None:
    """A rep moves another contact to L4: its open lead follows the rep's tier, as the contact's
    verdict and reasons do (the label too: a label leadq set follows the tier it writes)."""
    portal = live_crm.sandbox.portals[live_crm.portal_id]
    other, other_lead = next(
        (t["contact"], i)
        for i, t in open_leads.items()
        if t["contact"] != contact_id
        and not t["label_source"]
        and sum(1 for o in open_leads.values() if o["contact"] == t["contact"]) == 1
        and portal.get("contacts", t["contact"]).props.get("leadq_tier") in ("L1", "L2", "L3")
    )
    ui_edit(live_crm, "contacts", other, {"leadq_tier": "L4"})
    assert wait_until(lambda: portal.get("leads", other_lead).props.get("leadq_tier") == "L4", timeout=30), (
        "the lead did not follow its contact's tier"
    )
    assert wait_until(lambda: _settled(sessions, installation_id), timeout=30)
    lead, contact = portal.get("leads", other_lead).props, portal.get("contacts", other).props
    assert contact["leadq_tier"] == "L4" and contact["leadq_verdict"] in ("nurture", "disqualified")
    assert [lead.get(k) for k in LEADQ] == [contact.get(k) for k in LEADQ]
    assert "tier set by a person" in lead["leadq_reasons"].splitlines()[0]
    assert lead["hs_lead_label"] == LABELS["L4"]
