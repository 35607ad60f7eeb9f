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


def test_a_previews_fields_are_named_as_the_crm_names_them():
    from leadq.commands.common import preview_lines
    from leadq.web.field_words import scoped_label

    assert scoped_label("account.leadq_buying_committee", "hubspot") == "company: leadq buying committee"
    assert scoped_label("account.leadq_tier", "salesforce") == "account: leadq tier"
    assert scoped_label("pipeline_lead.hs_lead_label", "hubspot") == "Leads record: Lead label"
    assert scoped_label("leadq_tier", "hubspot") == "leadq tier"
    preview = {
        "fields": {"leadq_tier": {"same": 1999, "skip_human": 1}},
        "samples": [{"record": "7", "changes": {"leadq_tier": {"before": None, "after": "L1"}}}],
    }
    assert preview_lines(preview, "  ", samples=1, crm_kind="hubspot") == [
        "  leadq tier: already right 1,999, left alone (set by a person) 1",
        "  e.g. record 7: leadq tier (empty) -> 'L1'",
    ]


def test_a_routing_decision_reads_in_words():
    from leadq.web.decision_words import decision_words

    assert decision_words("round_robin", "assigned") == "by round robin, assigned"
    assert decision_words("nurture", "parked") == "not sales-ready: nurture, not a rep, parked"
    assert decision_words("new_rule", None) == "new rule", "an unknown rule in its own words"
