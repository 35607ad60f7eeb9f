"""The same webhook delivered 10 times (HubSpot retries, with a rising attemptNumber), and deliveries
out of order (an older change arriving after a newer one was processed): each change is recorded and
processed once, and the record ends up scored on its newest state, whatever order the news came in."""

from __future__ import annotations

import time

import requests
from sqlalchemy import func, select

from core.records import ObjectType
from scoring.score import score_people
from storage.tables import ProcessedEvent, ScoreRow
from tests.support.hubspot import event, signed_post
from workers.services.sync import handle_changes


def _edit(crm, record_id: str, title: str) -> int:
    answer = requests.post(
        f"{crm.base_url}/_sandbox/hubspot/portals/{crm.portal_id}/ui-edit",
        json={"objectType": "contacts", "id": record_id, "properties": {"jobtitle": title}},
        timeout=5,
    )
    assert answer.ok, answer.text
    return int(time.time() * 1000)


def _deliver(client, crm, change: dict, times: int) -> list[dict]:
    answers = []
    for attempt in range(times):
        response = signed_post(client, crm.client_secret, [change | {"attemptNumber": attempt}])
        assert response.status_code == 200, response.get_data(as_text=True)
        answers.append(response.get_json())
    return answers


def test_ten_deliveries_and_a_late_older_change_are_processed_once_newest_state_wins(
    client, ctx, crm, sessions, enqueued
):
    portal = crm.sandbox.portals[crm.portal_id]
    contact = next(
        r
        for r in portal.live("contacts")
        if "@" in r.props.get("email", "") and "gmail" not in r.props["email"]
    )
    cid = int(contact.id)
    old_at = _edit(crm, contact.id, "Student intern")
    new_at = _edit(crm, contact.id, "Chief Revenue Officer") + 1
    older = event(crm.portal_id, cid, value="Student intern", occurredAt=old_at, eventId=501)
    newer = event(crm.portal_id, cid, value="Chief Revenue Officer", occurredAt=new_at, eventId=502)

    answers = _deliver(client, crm, newer, 10)
    assert [a["accepted"] for a in answers] == [1] + [0] * 9
    assert all(a["duplicates"] == 1 for a in answers[1:])
    crm.requests.clear()
    first = handle_changes(ctx, window_s=0)
    assert first.scored == 1 and first.written_records == 1
    written = dict(portal.get("contacts", contact.id).props)

    # The older change turns up late, ten times over.
    late = _deliver(client, crm, older, 10)
    assert [a["accepted"] for a in late] == [1] + [0] * 9
    again = handle_changes(ctx, window_s=0)
    assert again.scored == 1 and again.written_records == 0, "the late news must not undo the newer state"
    assert handle_changes(ctx, window_s=0).scored == 0  # nothing left over

    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 2
        assert {e.status for e in session.scalars(select(ProcessedEvent))} == {"done"}
        scores = session.scalars(select(ScoreRow).where(ScoreRow.record_id == contact.id)).all()
    assert len(enqueued.keys) == 2
    assert len(scores) == 1, "the late news re-read the same state: an unchanged score is not stored again"
    updates = crm.requests.entries(lambda e: e.path.endswith("/contacts/batch/update"))
    assert len(updates) == 1  # one write for twenty deliveries of two changes
    # What leadq wrote is the score of the newest state ("Chief Revenue Officer"), not the intern's.
    ((person, account),) = ctx.adapter.read_with_accounts(ObjectType.CONTACT, [contact.id])
    assert person.title == "Chief Revenue Officer"
    now = ctx.now().replace(hour=0, minute=0, second=0, microsecond=0)
    (expected,) = score_people([(person, account)], ctx.icp, ctx.model, now, ctx.model_note)
    assert written["leadq_tier"] == expected.tier.value
    assert written["leadq_verdict"] == expected.verdict.value
    assert portal.get("contacts", contact.id).props["leadq_tier"] == expected.tier.value


def test_a_read_overtaken_by_a_newer_one_writes_nothing(ctx, crm, sessions):
    """A slow task whose read is older than a state leadq already scored (a later task overtook it)
    neither writes nor records: the newer result stands."""
    from datetime import UTC, datetime

    from storage import events as event_store

    portal = crm.sandbox.portals[crm.portal_id]
    contact = portal.live("contacts")[3]
    with sessions.begin() as session:
        session.add(
            ScoreRow(
                installation_id=ctx.installation_id,
                object_type="contact",
                record_id=contact.id,
                record_version="2099-01-01T00:00:00.000Z",
                fit=1,
                engagement=1,
                tier="L4",
                verdict="nurture",
                confidence="low",
            )
        )
        event_store.record_new(
            session, ctx.installation_id, [("k", "contact", contact.id, datetime.now(UTC))]
        )
    crm.requests.clear()
    report = handle_changes(ctx, window_s=0)
    assert report.written_records == 0
    assert not crm.requests.entries(lambda e: e.path.endswith("/contacts/batch/update"))
    with sessions() as session:
        assert len(session.scalars(select(ScoreRow).where(ScoreRow.record_id == contact.id)).all()) == 1
