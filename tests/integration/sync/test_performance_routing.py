"""Performance routing in the running product: the real sync routes leads to two reps; one of them wins
nearly every deal of the leads leadq gave them and the other loses nearly all (closed in the sandbox
CRM, read by leadq's daily outcome job); the next leads the sync routes are weighted by that record
when the routing file has the performance step on: the logged decisions carry multipliers within
the file's floor and cap, their explanation says so, and the better rep gets more than the equal
share their configured weights alone give. With the step off, every multiplier stays 1.0."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from core.records import ObjectType
from sandbox.hubspot.store import Source
from storage import outcomes, routing_log
from storage.tables import Installation
from tests.support.admin import accounts, other_installation, sign_in  # noqa: F401 - fixtures
from tests.support.sync import OPEN_VERDICTS
from workers.services.context import build_context
from workers.services.outcomes_refresh import refresh_outcomes
from workers.services.reroute import reroute_pass
from workers.services.sync import process_people

FLOOR, CAP = 0.5, 2.0
# After the sandbox's seeded history (its deals closed before its clock's now), on leadq's clock.
ROUTED = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
CLOSED = ROUTED + timedelta(days=10)
LATER = ROUTED + timedelta(days=20)


def team(ada: str, ben: str, performance: bool, cy: str = "", cy_active: bool = True) -> str:
    """Equal-weight reps in one pool; every sized company in one segment (so each rep's record is read
    on the segment of every lead here); a light prior, so 30 outcomes move the weights; SLAs too long
    to run out here (only a deactivated rep's leads are re-routed)."""
    third = f'[[reps]]\nowner_id = "{cy}"\nname = "Cy Leaving"\nactive = {str(cy_active).lower()}\n'
    return f"""
[steps]
account_owner = false
tier_pool = false
performance = {str(performance).lower()}
[segments]
smb = [0, 1000000000]
[sla]
L1 = 1000000
L2 = 1000000
[performance]
floor = {FLOOR}
cap = {CAP}
prior = 5
[[reps]]
owner_id = "{ben}"
name = "Ben Loser"
[[reps]]
owner_id = "{ada}"
name = "Ada Winner"
{third if cy else ""}"""


def _sized_unowned(portal, ctx) -> list:
    """The sandbox's unowned contacts at a company of known size (segment "smb" above), with it."""
    ids = [r.id for r in portal.live("contacts") if not r.props.get("hubspot_owner_id")]
    pairs = ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids)
    return [(p, a) for p, a in pairs if a is not None and a.employees]


def _routed(sessions, installed, pairs) -> list:
    with sessions() as session:
        rows = [routing_log.latest(session, installed, "contact", p.ref.record_id) for p, _a in pairs]
    return [r for r in rows if r is not None and r.rule == "round_robin"]


def _close_deal(portal, contact_id: str, won: bool, at: datetime) -> None:
    """The rep closes the contact's deal in the CRM, won or lost."""
    rep = Source("CRM_UI", "userId:9000001", 9000001)
    stage = "closedwon" if won else "closedlost"
    props = {
        "dealname": f"Deal of {contact_id}",
        "amount": "12000",
        "dealstage": stage,
        "pipeline": "default",
        "closedate": str(int(at.timestamp() * 1000)),
        "hs_is_closed": "true",
        "hs_is_closed_won": "true" if won else "false",
    }
    deal = portal.create("deals", props, rep)
    portal.associate("deals", deal.id, "contacts", contact_id, type_ids={3})


def _context(runtime, installed, at):
    ctx = build_context(runtime, installed)
    ctx.clock = lambda: at
    return ctx


def _history(runtime, installed, sessions, crm, routing: Callable[[str, str, str], str]) -> tuple:
    """The sync routes 70 leads (those not disqualified go to the reps; nothing is known of them yet);
    then Ada wins all but one of her deals and Ben loses all but one, closed in the CRM, and leadq's
    daily outcome job stores them. The portal, the reps' ids, the routed decisions, the leads left."""
    portal = crm.sandbox.portals[crm.portal_id]
    ada, ben, cy = (o["id"] for o in [o for o in portal.owners if not o["archived"]][:3])
    with sessions.begin() as session:
        row = session.get(Installation, installed)
        row.routing_toml, row.icp_toml = routing(ada, ben, cy), OPEN_VERDICTS
    ctx = _context(runtime, installed, ROUTED)
    leads = _sized_unowned(portal, ctx)
    first, later = leads[:70], leads[70:120]
    assert len(later) == 50, f"the sandbox has {len(leads)} unowned contacts at a sized company"
    process_people(ctx, first)
    history = _routed(sessions, installed, first)
    assert len(history) >= 40 and {r.multiplier for r in history} == {1.0}
    assert {ada, ben} <= {r.owner_id for r in history}
    for rep, wins in ((ada, True), (ben, False)):
        mine = sorted(r.record_id for r in history if r.owner_id == rep)
        for k, record_id in enumerate(mine):
            _close_deal(portal, record_id, wins if k else not wins, CLOSED)
    refresh_outcomes(_context(runtime, installed, CLOSED + timedelta(hours=1)))
    with sessions() as session:
        kinds = {r.record_id: r.kind for r in outcomes.all_for(session, installed)}
    assert sorted(kinds.get(r.record_id, "") for r in history if r.owner_id == ada)[:2] == ["lost", "won"]
    return portal, (ada, ben, cy), history, later


@pytest.mark.redis
@pytest.mark.usefixtures("accounts")  # the admins: Alice reads the lead page
@pytest.mark.parametrize("performance", [True, False], ids=["step-on", "step-off"])
def test_the_sync_weighs_reps_by_their_stored_outcomes_only_when_the_step_is_on(
    runtime, installed, sessions, crm, performance, client
):
    _portal, (ada, ben, _cy), history, later = _history(
        runtime, installed, sessions, crm, lambda ada, ben, _cy: team(ada, ben, performance)
    )
    assert {r.owner_id for r in history} == {ada, ben}

    # 3. A preview (dry run) of the next 50 leads weighs the reps as the real run will; then the
    # sync routes them.
    preview = process_people(_context(runtime, installed, LATER), later, dry_run=True)
    owner_key = build_context(runtime, installed).adapter.owner_field
    previewed = [s["changes"][owner_key]["after"] for s in preview.samples if owner_key in s["changes"]]
    assert previewed, preview.samples
    # (a preview moves no counter: each lead goes to the first of the highest weights, Ben, listed
    # first, on equal weights)
    assert set(previewed) == ({ada} if performance else {ben}), previewed
    process_people(_context(runtime, installed, LATER), later)
    routed = _routed(sessions, installed, later)
    assert len(routed) >= 30, [r.path for r in routed]
    to_ada = sum(r.owner_id == ada for r in routed)
    sign_in(client, "alice")  # the admin's page of a lead Ada got: its routing, step by step
    adas = next(r for r in routed if r.owner_id == ada)
    page = client.get(f"/installations/{installed}/leads/contact/{adas.record_id}").get_data(as_text=True)
    if not performance:
        assert "Ada Winner chosen by weighted round robin" in html.unescape(page)
        assert "performance:" not in html.unescape(page)
        assert {r.multiplier for r in routed} == {1.0}
        assert all(r.weights == {ada: 1.0, ben: 1.0} for r in routed)
        assert not any("performance" in step for r in routed for step in r.path)
        assert abs(to_ada - (len(routed) - to_ada)) <= 2  # equal weights, equal shares
        return
    assert all(FLOOR <= r.multiplier <= CAP for r in routed), [r.multiplier for r in routed]
    assert all(r.weights[ada] > 1.0 > r.weights[ben] >= FLOOR for r in routed), [r.weights for r in routed]
    assert any(r.multiplier != 1.0 for r in routed)
    assert to_ada / len(routed) > 0.75, f"Ada got {to_ada} of {len(routed)}; her weight alone gives half"
    said = [step for r in routed if r.owner_id == ada for step in r.path if step.startswith("performance")]
    assert said and all(s.startswith("performance: Ada Winner's weight raised x") for s in said), said
    assert all("decided smb leads won" in s for s in said), said
    assert next(s for s in adas.path if s.startswith("performance")) in html.unescape(page)


@pytest.mark.redis
@pytest.mark.parametrize("performance", [True, False], ids=["step-on", "step-off"])
def test_the_re_routing_pass_weighs_the_reps_left_by_their_stored_outcomes(
    runtime, installed, sessions, crm, performance
):
    """Cy leaves (deactivated in the routing file): the re-routing pass redistributes Cy's open leads
    between Ada and Ben, weighted by their stored record when the step is on."""
    portal, (ada, ben, cy), history, _later = _history(
        runtime, installed, sessions, crm, lambda ada, ben, cy: team(ada, ben, performance, cy)
    )
    leaving = [r.record_id for r in history if r.owner_id == cy]
    assert len(leaving) >= 10
    with sessions.begin() as session:
        session.get(Installation, installed).routing_toml = team(ada, ben, performance, cy, cy_active=False)
    report = reroute_pass(_context(runtime, installed, LATER))
    assert report.rerouted == len(leaving), report
    with sessions() as session:
        moved = [routing_log.latest(session, installed, "contact", i) for i in leaving]
    assert all(r.owner_id in (ada, ben) and "was deactivated" in r.path[0] for r in moved)
    assert all(portal.get("contacts", r.record_id).props["hubspot_owner_id"] == r.owner_id for r in moved)
    to_ada = sum(r.owner_id == ada for r in moved)
    if not performance:
        assert {r.multiplier for r in moved} == {1.0}
        assert not any("performance" in step for r in moved for step in r.path)
        return
    assert all(FLOOR <= r.multiplier <= CAP and r.weights[ada] > 1.0 > r.weights[ben] for r in moved)
    assert to_ada / len(moved) > 0.75, f"Ada got {to_ada} of {len(moved)}; her weight alone gives half"
    said = [step for r in moved if r.owner_id == ada for step in r.path if step.startswith("performance")]
    assert said and all(s.startswith("performance: Ada Winner's weight raised x") for s in said), said
