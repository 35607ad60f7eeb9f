"""The inactive-rep alarm's "what to check" fits its cause and says what the re-routing pass does."""

from __future__ import annotations

from monitoring.finding import AlarmFinding
from monitoring.routing_alarms import IN_CRM, IN_FILE, inactive_owner_hint, with_inactive_causes


def test_the_hint_for_a_rep_marked_inactive_in_the_routing_file() -> None:
    hint = inactive_owner_hint("Chloé Martin", IN_FILE, 5)
    assert hint.startswith(
        "Chloé Martin is marked active = false in the routing file: leadq's re-routing pass"
    )
    assert "(beat, every 5 min) hands each of these leads, whatever its tier, to another rep" in hint
    assert "reassign it in the CRM (leadq leaves a person's choice alone)" in hint
    assert hint.endswith("If Chloé Martin is back, set active = true there and the leads stay theirs")
    assert "mark Chloé Martin inactive" not in hint, "not the circular advice"


def test_the_hint_for_a_user_deactivated_in_the_crm_and_the_actual_interval() -> None:
    found = AlarmFinding(
        "inactive_owner", "503", "Chloé Martin is inactive", None, "", {"name": "Chloé Martin"}
    )
    other = AlarmFinding("sla_breaches", "", "12 leads missed their SLA", None, "the reps' load")
    hinted, kept = with_inactive_causes([found, other], {"503": IN_CRM}, 15)
    assert hinted.check_hint.startswith(
        "Chloé Martin's user is deactivated in the CRM while the routing file still lists them as active"
    )
    assert "every 15 min" in hinted.check_hint and hinted.details["inactive_in"] == IN_CRM
    assert (
        "reactivate the user in the CRM; otherwise remove Chloé Martin from the routing file"
        in hinted.check_hint
    )
    assert kept == other
