"""Creating HubSpot Leads records (the routing file's ``[pipeline_leads] create = true``): a contact who
becomes sales-ready without an open lead gets one, associated with the contact and company, owned by
its rep, in the first stage, with leadq's fields and the tier's label; never two, however many
deliveries of the change arrive at once or however many tasks handle the contact together."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from sqlalchemy import select

from core.records import ObjectType
from sandbox.hubspot.signing import sign_v3
from storage.tables import Installation
from tests.support import sync as sync_support
from tests.support.hubspot import event, install
from tests.support.sync import OPEN_VERDICTS, wait_until
from workers.services.context import build_context
from workers.services.sync import process_people

served = sync_support.served
worker = sync_support.worker

LABELS = {"L1": "HOT", "L2": "WARM", "L3": "COLD", "L4": "COLD"}
CREATE = "[steps]\ntier_pool = false\n[pipeline_leads]\ncreate = true\n"


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=73, records=200, rate_limit=10_000)


@pytest.fixture
def live_crm(crm):
    return crm


def _configure(sessions) -> int:
    with sessions.begin() as session:
        row = session.scalars(select(Installation)).one()
        row.routing_toml, row.icp_toml = CREATE, OPEN_VERDICTS
        return int(row.id)


def _leads_of(portal, contact_id: str) -> list[str]:
    linked = portal.associations.get(("contacts", contact_id, "leads"), {})
    return [i for i in linked if portal.get("leads", i) is not None]


def _lead_free_contacts(crm, owned: bool = False) -> list[str]:
    portal = crm.sandbox.portals[crm.portal_id]
    with_leads = {t["contact"] for t in crm.sandbox.truth[crm.portal_id].leads.values()}
    return [
        c.id
        for c in portal.live("contacts")
        if c.id not in with_leads
        and "@" in (c.props.get("email") or "")
        and c.props.get("jobtitle")
        and (c.props.get("hubspot_owner_id") or not owned)
    ]


def _check_the_one_lead(portal, contact_id: str) -> None:
    (lead_id,) = _leads_of(portal, contact_id)
    lead, contact = portal.get("leads", lead_id).props, portal.get("contacts", contact_id).props
    assert contact["leadq_verdict"] == "sales_ready"
    assert lead["leadq_tier"] == contact["leadq_tier"] and lead["leadq_reasons"] == contact["leadq_reasons"]
    assert lead["hs_lead_label"] == LABELS[contact["leadq_tier"]]
    assert lead["hs_pipeline_stage"] == "new-stage-id"
    assert lead["hs_lead_name"] and lead["hs_lead_name"] in (
        f"{contact.get('firstname', '')} {contact.get('lastname', '')}".strip(),
        contact.get("email"),
    )
    if contact.get("hubspot_owner_id"):
        assert lead["hubspot_owner_id"] == contact["hubspot_owner_id"]


@pytest.mark.redis
def test_ten_concurrent_deliveries_of_a_change_create_one_lead(served, live_crm, worker, sessions):
    settings, url, app = served
    install(app.test_client(), live_crm)
    installation_id = _configure(sessions)
    portal = live_crm.sandbox.portals[live_crm.portal_id]
    contact_id = _lead_free_contacts(live_crm)[0]
    target = f"{url}/webhooks/hubspot"

    def deliver(attempt: int) -> None:
        # The same change, delivered ten times at once (each delivery its own event, as a retried
        # subscription and a second subscription on the same edit would be).
        body = json.dumps([event(live_crm.portal_id, int(contact_id), eventId=5_000 + attempt)]).encode()
        stamp = int(time.time() * 1000)
        signature = sign_v3(settings.hubspot_client_secret.get_secret_value(), "POST", target, body, stamp)
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": signature,
            "X-HubSpot-Request-Timestamp": str(stamp),
        }
        answer = requests.post(target, data=body, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wait_until(lambda: _leads_of(portal, contact_id), timeout=60), "no lead was created"
    time.sleep(2.0)  # every delivery handled by now: any duplicate would show
    _check_the_one_lead(portal, contact_id)
    assert installation_id


def test_ten_tasks_handling_one_contact_together_create_one_lead(runtime, installed, crm, sessions):
    _configure(sessions)
    portal = crm.sandbox.portals[crm.portal_id]
    # An owned contact: ten tasks routing one unowned contact at once would each pick a rep (the change
    # lock keeps real change tasks from doing that); the lead is what this test is about.
    contact_id = _lead_free_contacts(crm, owned=True)[0]
    start, errors = threading.Barrier(10), []

    def task() -> None:
        try:
            ctx = build_context(runtime, installed)  # each its own context and adapter, as tasks have
            pairs = ctx.adapter.read_with_accounts(ObjectType.CONTACT, [contact_id])
            start.wait()
            process_people(ctx, pairs)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=task) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    _check_the_one_lead(portal, contact_id)
