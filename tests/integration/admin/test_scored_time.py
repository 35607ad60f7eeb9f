"""The time of a score is when leadq computed it: in the admin's lead list, in leadq's history
and in the CRM's leadq_scored_at; the score itself stays "as of the day", so a re-run writes nothing."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.records import ObjectType
from sandbox.hubspot.store import parse_datetime_ms
from storage.tables import ScoreRow
from tests.support.admin import sign_in
from workers.services.backfill import run_backfill


def test_the_scoring_time_is_the_real_time_everywhere(client, accounts, ctx, sessions, crm) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    progress, report = run_backfill(ctx, ObjectType.CONTACT)
    after = datetime.now(UTC)
    assert progress.status == "done" and report.written_records > 0
    with sessions() as db:
        stamps = [r.scored_at.replace(tzinfo=UTC) for r in db.scalars(select(ScoreRow))]
    assert stamps and all(before <= s <= after for s in stamps), (before, stamps[:3], after)
    portal = crm.sandbox.portals[crm.portal_id]
    written = [r.props.get("leadq_scored_at") for r in portal.live("contacts")]
    ms = [parse_datetime_ms(w) for w in written if w]
    assert ms and all(before.timestamp() * 1000 <= m <= after.timestamp() * 1000 for m in ms)
    sign_in(client, "alice")
    listing = html.unescape(client.get(f"/installations/{accounts['alice']}/leads").get_data(as_text=True))
    shown = stamps[0].strftime("%Y-%m-%d %H:%M")
    assert shown in listing or (stamps[0] + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M") in listing
    if before.hour or before.minute:  # at 00:00 UTC the real time is midnight too
        assert before.strftime("%Y-%m-%d 00:00") not in listing
    again, rerun = run_backfill(ctx, ObjectType.CONTACT, restart=True)
    assert again.status == "done" and rerun.writes == 0, "a same-day re-run still writes nothing"
