"""HubSpot's Leads events end to end: the app subscribed as the live stack subscribes it (generic
subscriptions on 0-136), a rep's and leadq's changes to leads delivered by the sandbox and read by
leadq's parser as changes of pipeline leads, leadq's own writes recognised as echoes."""

from __future__ import annotations

import json
from typing import Any

import requests

from connector.base import ClientConfig
from connector.hubspot.limits import LocalLimiter
from connector.hubspot.webhooks import parse
from connector.registry import Connection, provider
from core.records import CrmKind, FieldUpdate, ObjectType, RecordRef
from leadq.live_stack import subscribe_webhooks
from sandbox.clock import ManualClock
from sandbox.pytest_plugin import DEFAULT_SCOPES, install
from tests.contract.conftest import Receiver
from workers.services.install import StaticTokens

SCOPES = f"{DEFAULT_SCOPES} crm.objects.leads.read crm.objects.leads.write"


def _drain(running: Any, clock: ManualClock) -> None:
    for _ in range(30):
        running.sandbox.webhooks.pump()
        if running.sandbox.webhooks.idle():
            return
        clock.advance(1.0)


def test_lead_changes_arrive_as_pipeline_lead_changes_and_leadqs_own_as_echoes(sandbox_factory):
    receiver = Receiver()
    try:
        clock = ManualClock(1_790_000_000.0)
        running = sandbox_factory(seed=12, records=120, clock=clock)
        hub = running.sandbox.webhooks
        hub.duplicate_rate, hub.out_of_order_rate = 0.0, 0.0
        subscribe_webhooks(running, receiver.url, ["jobtitle"])
        token = install(running, scope=SCOPES)["access_token"]
        connection = Connection(
            str(running.portal_id),
            ClientConfig(api_base=running.base_url, app_id=str(running.app_id)),
            StaticTokens(token),
            LocalLimiter(),
            scopes=tuple(SCOPES.split()),
        )
        adapter = provider(CrmKind.HUBSPOT).build_adapter(connection)
        leads = running.sandbox.truth[running.portal_id].leads
        by_rep, by_leadq = sorted(leads)[:2]
        requests.post(
            f"{running.base_url}/_sandbox/hubspot/portals/{running.portal_id}/ui-edit",
            json={
                "objectType": "leads",
                "id": by_rep,
                "properties": {"hs_pipeline_stage": "connected-stage-id"},
            },
            timeout=5,
        )
        ref = RecordRef(CrmKind.HUBSPOT, str(running.portal_id), ObjectType.PIPELINE_LEAD, by_leadq)
        assert adapter.write([FieldUpdate(ref, "hs_lead_label", "HOT")]).failed == ()
        clock.advance(1)
        _drain(running, clock)

        events = [e for d in receiver.received for e in parse(d["body"])]
        seen = {
            (e.event.ref.record_id, e.event.changed_fields, e.is_echo(str(running.app_id))) for e in events
        }
        assert (by_rep, ("hs_pipeline_stage",), False) in seen
        assert (by_leadq, ("hs_lead_label",), True) in seen
        assert {e.event.ref.object_type for e in events} == {ObjectType.PIPELINE_LEAD}
        bodies = [json.loads(d["body"]) for d in receiver.received]
        assert all(e["objectTypeId"] == "0-136" for body in bodies for e in body)
    finally:
        receiver.stop()
