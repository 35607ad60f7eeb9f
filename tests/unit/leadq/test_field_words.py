"""'What leadq wrote' in the CRM's words: field labels, option labels, owners by name, readable times."""

from __future__ import annotations

from leadq.web.field_words import field_label, value_words


def test_fields_are_named_by_their_crm_labels():
    assert field_label("leadq_verdict") == "leadq verdict"
    assert field_label("hubspot_owner_id") == "Owner" and field_label("OwnerId") == "Owner"
    assert field_label("hs_lead_label") == "Lead label"
    assert field_label("something_else") == "something_else", "an unknown key is shown, never dropped"


def test_values_read_as_the_crm_shows_them():
    names = {"60056260": "Ana O'Brien"}
    assert value_words("leadq_verdict", "sales_ready", names) == "Sales-ready"
    assert value_words("leadq_confidence", "high", names) == "High"
    assert value_words("hubspot_owner_id", "60056260", names) == "Ana O'Brien (60056260)"
    assert value_words("hubspot_owner_id", "1", names) == "1", "an owner leadq cannot name keeps its id"
    assert value_words("leadq_scored_at", "2026-12-06T01:23:30+00:00", names) == "06 Dec 2026, 01:23:30 UTC"
    assert value_words("leadq_scored_at", "not a time", names) == "not a time"
    assert value_words("leadq_fit_score", "71", names) == "71"
