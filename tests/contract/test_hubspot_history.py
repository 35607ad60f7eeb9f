"""Property history through the real SDK: every change of a property, newest first by timestamp,
each with its source, however the sandbox was given the changes (a seed or a test may backdate one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

from sandbox.hubspot.store import Source


def test_every_change_of_a_property_comes_back_newest_first(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    contact = portal.live("contacts")[0].id
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    rep = Source("CRM_UI", "userId:4242", user_id=4242)
    app = Source("INTEGRATION", str(sandbox.app_id))
    given = [  # (hours after start, value, source), in the order the sandbox receives them
        (1, "ATTEMPTED_TO_CONTACT", rep),
        (7, "CONNECTED", rep),
        (3, "IN_PROGRESS", app),  # backdated: lands between the two rep changes
    ]
    for hours, value, source in given:
        at_ms = int((start + timedelta(hours=hours)).timestamp() * 1000)
        assert portal.update("contacts", contact, {"hs_lead_status": value}, source, at_ms=at_ms)

    request = BatchReadInputSimplePublicObjectId(
        properties=["hs_lead_status"],
        properties_with_history=["hs_lead_status"],
        inputs=[SimplePublicObjectId(id=contact)],
    )
    [row] = client.crm.contacts.batch_api.read(request).results
    history = row.properties_with_history["hs_lead_status"]
    recent = [(h.timestamp, h.value, h.source_type) for h in history if h.timestamp >= start]
    assert recent == [
        (start + timedelta(hours=7), "CONNECTED", "CRM_UI"),
        (start + timedelta(hours=3), "IN_PROGRESS", "INTEGRATION"),
        (start + timedelta(hours=1), "ATTEMPTED_TO_CONTACT", "CRM_UI"),
    ]
    stamps = [h.timestamp for h in history]
    assert stamps == sorted(stamps, reverse=True)  # the older entries (the seed's) follow, still in order
