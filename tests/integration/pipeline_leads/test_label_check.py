"""A routing file's lead labels are checked against the labels the CRM's Leads object offers, when it
is saved or approved (as its reps are checked against the CRM's owners)."""

from __future__ import annotations

from workers.services.owner_check import routing_owner_problems


def test_a_label_the_crm_does_not_offer_is_refused_naming_the_crms_labels(runtime, installed):
    good = '[pipeline_leads.labels]\nL1 = "HOT"\nL2 = "HOT"\n'
    assert routing_owner_problems(runtime, installed, good) == []
    bad = '[pipeline_leads.labels]\nL1 = "SCORCHING"\n'
    problems = routing_owner_problems(runtime, installed, bad)
    assert len(problems) == 1
    assert "pipeline_leads.labels.L1" in problems[0] and "'SCORCHING'" in problems[0]
    assert "HOT, WARM, COLD" in problems[0]
