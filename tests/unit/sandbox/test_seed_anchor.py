"""Where a sandbox's seeded history ends. On the real clock it ends at the start of today (UTC), as a
live CRM's would, so leadq, which scores as of the current UTC day, finds the same recency and the same
scores whatever the date the sandbox (the demo, a live test) is started on. A fixed end date made every
engagement score decay a little more each day the suite ran, until a test's routed leads ran out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.clock import ManualClock
from sandbox.seed_vocab import DAY_MS, DEFAULT_ANCHOR, today_utc
from sandbox.server import Sandbox


def _times(sandbox: Sandbox, prop: str, kind: str = "contacts") -> list[int]:
    portal = sandbox.portals[sandbox.default_portal_id]
    return sorted(_ms(datetime.fromisoformat(r.props[prop])) for r in portal.live(kind) if r.props.get(prop))


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def test_on_the_real_clock_the_seeded_history_ends_today():
    today = today_utc()
    assert today == datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    live = Sandbox(seed=3, records=300, orgs=0)
    pinned = Sandbox(seed=3, records=300, orgs=0, anchor=today)
    visits = _times(live, "hs_analytics_last_visit_timestamp")
    assert visits == _times(pinned, "hs_analytics_last_visit_timestamp")
    assert visits and visits[-1] <= _ms(today) and visits[-1] > _ms(today - timedelta(days=30))
    open_deals = _times(live, "closedate", "deals")
    assert open_deals[-1] > _ms(datetime.now(UTC)), "open deals still close in the future"


def test_on_a_manual_clock_it_ends_at_the_fixed_anchor():
    manual = Sandbox(seed=3, records=300, orgs=0, clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    visits = _times(manual, "hs_analytics_last_visit_timestamp")
    shift = _ms(today_utc()) - _ms(DEFAULT_ANCHOR)
    live = _times(Sandbox(seed=3, records=300, orgs=0), "hs_analytics_last_visit_timestamp")
    assert [v + shift for v in visits] == live
    assert shift % DAY_MS == 0
