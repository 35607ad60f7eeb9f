"""``leadq alarms check`` on a store filled through the real pipeline (leads scored and routed to two
reps of the sandbox portal): the real monitoring report finds a rep made inactive with leads still
routed to them, the alarm is raised, kept and cleared once the rep is back, and ``leadq status`` and
``leadq alarms list`` say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import tests.integration.monitoring.test_capture as capture
from storage import routing_log
from storage.tables import Installation
from tests.support.admin_web import cli


def _inactive(routing_toml: str, owner_id: str) -> str:
    """The routing file with ``owner_id`` marked inactive."""
    rep = f'owner_id = "{owner_id}"\n'
    assert rep in routing_toml
    return routing_toml.replace(rep, rep + "active = false\n")


def test_check_raises_the_inactive_rep_alarm_the_store_shows_and_clears_it(
    runtime, installed, sessions, crm, leadq_settings, monkeypatch
):
    portal = crm.sandbox.portals[crm.portal_id]
    first, second = [o["id"] for o in portal.owners if not o["archived"]][:2]
    team = capture.team({first: 1.0, second: 1.0})
    at = datetime.now(UTC) - timedelta(minutes=5)  # SLA 60 min: nothing is due
    ids = capture._unowned(portal, 6)
    capture._route(runtime, installed, sessions, team, at, ids)
    with sessions() as session:
        owned = [routing_log.latest(session, installed, "contact", i).owner_id for i in ids].count(second)
    assert owned, "the round robin gave the second rep some leads"
    with sessions.begin() as session:
        session.get(Installation, installed).routing_toml = _inactive(team, second)

    done = cli(leadq_settings, monkeypatch, ["alarms", "check", str(installed)])
    assert done.exit_code == 0, done.output
    head = f"#{installed} hubspot {crm.portal_id}:"
    raised = [line for line in done.output.splitlines() if "Inactive rep" in line]
    assert raised == [
        f"{head} raised Inactive rep (Rep {second}): Rep {second} is inactive but owns {owned} open "
        f"lead{'s' if owned > 1 else ''} leadq routed to them"
    ], done.output
    status = cli(leadq_settings, monkeypatch, ["status", str(installed)]).output
    assert "alarms checked just now:" in status and "open" in status
    assert f"ALARM Inactive rep (Rep {second}): Rep {second} is inactive" in status
    listed = cli(leadq_settings, monkeypatch, ["alarms", "list", str(installed)]).output
    # the hint fits the cause (the routing file marks the rep inactive) and what the pass does
    assert (
        f"check Rep {second} is marked active = false in the routing file: leadq's re-routing pass" in listed
    )
    assert "whatever its tier" in listed and "set active = true there" in listed
    assert "(their open leads are redistributed)" not in listed
    again = cli(leadq_settings, monkeypatch, ["alarms", "check", str(installed)]).output
    assert f"{head} kept Inactive rep (Rep {second}): Rep {second} is inactive" in again

    with sessions.begin() as session:
        session.get(Installation, installed).routing_toml = team  # the rep is back
    fixed = cli(leadq_settings, monkeypatch, ["alarms", "check", str(installed)]).output
    assert f"{head} cleared Inactive rep (Rep {second}): Rep {second} is inactive" in fixed
    listed = cli(leadq_settings, monkeypatch, ["alarms", "list", str(installed)]).output
    assert "Inactive rep" not in listed
