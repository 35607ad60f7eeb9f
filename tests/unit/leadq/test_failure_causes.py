"""Dead letters grouped by cause: the CRM's messages, with record-specific parts normalised."""

from __future__ import annotations

from storage.failure_causes import (
    FIX_FIELDS,
    FIX_OWNER,
    FIX_REQUIRED,
    PLACEHOLDER,
    cause_of,
    describe,
    fix_hint,
    normalise,
    shared_values,
)

OWNER = "hubspot_owner_id: INVALID_OWNER_ID (60071397 is not a valid owner id)"


def _text(*causes):
    return describe(causes[0], shared_values(list(causes)))


def test_given_the_same_inactive_owner_on_many_records_then_one_cause_that_names_the_owner():
    causes = [cause_of("validation", OWNER, record_id) for record_id in ("1001", "1002", "2417")]
    assert len({c.key for c in causes}) == 1
    assert _text(*causes) == OWNER.replace(": ", " ", 1)
    assert fix_hint(causes[0]) == FIX_OWNER


def test_given_two_inactive_owners_then_one_cause_whose_text_does_not_pretend_a_single_owner():
    a = cause_of("validation", OWNER, "1001")
    b = cause_of("validation", OWNER.replace("60071397", "60000001"), "1002")
    assert a.key == b.key
    assert _text(a, b) == f"hubspot_owner_id INVALID_OWNER_ID ({PLACEHOLDER} is not a valid owner id)"


def test_given_a_message_naming_the_record_itself_then_records_still_share_the_cause():
    a = cause_of("not-found", "Object 1001 not found", "1001")
    b = cause_of("not-found", "Object 2002 not found", "2002")
    assert a.key == b.key
    assert _text(a, b) == "NOT-FOUND (Object <record> not found)"
    assert fix_hint(a) is None  # a deleted record is resolved by the retry, not a configuration error


def test_given_per_record_values_then_they_are_normalised_and_the_shared_parts_kept():
    a = cause_of("validation", "leadq_fit_score: INVALID_INTEGER (abc was not a valid number.)", "1")
    b = cause_of("validation", "leadq_fit_score: INVALID_INTEGER (12.5x was not a valid number.)", "2")
    assert a.key != b.key  # words are not values: "abc" stays, so these are two causes
    c = cause_of("validation", 'leadq_fit_score: INVALID_INTEGER ("8,5" was not a valid number.)', "3")
    d = cause_of("validation", 'leadq_fit_score: INVALID_INTEGER ("9,5" was not a valid number.)', "4")
    assert (
        c.key == d.key
        and _text(c, d) == f"leadq_fit_score INVALID_INTEGER ({PLACEHOLDER} was not a valid number.)"
    )


def test_normalise_replaces_ids_emails_numbers_and_quoted_values():
    text, values = normalise(
        "user 005Hn00000AbCdEIAZ (ana@example.com) owns 12 leads named 'Acme'", record_id="00QHn00000XyZ12345"
    )
    assert text == f"user {PLACEHOLDER} ({PLACEHOLDER}) owns {PLACEHOLDER} leads named {PLACEHOLDER}"
    assert values == ("005Hn00000AbCdEIAZ", "ana@example.com", "12", "Acme")


def test_given_salesforce_messages_then_the_field_and_code_are_read_from_them():
    message = (
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: leadq Tier: bad value for restricted picklist field: L9 "
        "(leadq_tier__c)"
    )
    a = cause_of("validation", message, "00Q000000000001AAA")
    b = cause_of("validation", message.replace("L9", "L7"), "00Q000000000002AAA", {"leadq_tier": "L7"})
    assert (
        a.parts[0].field == "leadq_tier__c" and a.parts[0].code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    )
    assert a.key == b.key
    assert fix_hint(a) == FIX_FIELDS
    inactive = cause_of(
        "validation",
        "INACTIVE_OWNER_OR_USER: operation performed with inactive user [005000000000009AAA] "
        "as owner of lead",
        "00Q000000000003AAA",
    )
    assert fix_hint(inactive) == FIX_OWNER
    required = cause_of(
        "validation", "REQUIRED_FIELD_MISSING: Required fields are missing: [Company] (Company)"
    )
    assert fix_hint(required) == FIX_REQUIRED


def test_given_several_refused_fields_then_the_cause_names_each_and_the_owner_hint_wins():
    message = f"leadq_tier: INVALID_OPTION (L9 was not one of the allowed options: [L1, L2]); {OWNER}"
    cause = cause_of("validation", message, "1001")
    assert [p.field for p in cause.parts] == ["leadq_tier", "hubspot_owner_id"]
    assert fix_hint(cause) == FIX_OWNER
    assert _text(cause).startswith("leadq_tier INVALID_OPTION (L9 was not one of the allowed options")


def test_older_rows_without_the_crms_words_and_unparsed_messages_still_group():
    old = cause_of("validation", "leadq_tier: INVALID_OPTION", "1001")
    assert _text(old) == "leadq_tier INVALID_OPTION" and fix_hint(old) == FIX_FIELDS
    free = cause_of("locked", "unable to obtain exclusive access to this record", "1001")
    assert _text(free) == "LOCKED (unable to obtain exclusive access to this record)"
    assert fix_hint(free) is None
    empty = cause_of("validation", "", "1001")
    assert _text(empty) == "VALIDATION"


def test_given_the_refused_value_quoted_by_the_crm_then_records_with_other_values_share_the_cause():
    a = cause_of(
        "validation",
        "leadq_verdict: INVALID_OPTION (sales_ready was not one of the allowed options: [nurture])",
        "1001",
        {"leadq_verdict": "sales_ready", "leadq_tier": "L1"},
    )
    b = cause_of(
        "validation",
        "leadq_verdict: INVALID_OPTION (needs_info was not one of the allowed options: [nurture])",
        "1002",
        {"leadq_verdict": "needs_info", "leadq_tier": "L3"},
    )
    assert a.key == b.key
    assert (
        _text(a, b)
        == f"leadq_verdict INVALID_OPTION ({PLACEHOLDER} was not one of the allowed options: [nurture])"
    )
    assert (
        _text(a) == "leadq_verdict INVALID_OPTION (sales_ready was not one of the allowed options: [nurture])"
    )


def test_an_owner_refusal_reported_in_another_shape_still_groups_and_says_retrying_will_not_fix_it():
    a = cause_of("owner-refused", "owner 60071397 is inactive", "1001", {"hubspot_owner_id": "60071397"})
    b = cause_of("owner-refused", "owner 60071397 is inactive", "1002", {"hubspot_owner_id": "60071397"})
    assert a.key == b.key and _text(a, b) == "OWNER-REFUSED (owner 60071397 is inactive)"
    assert fix_hint(a) == FIX_OWNER


def test_the_owner_alone_refused_reads_as_the_crms_own_cause():
    """When the record's other fields were written and only its owner refused, the dead letter says
    "owner <id>: <the CRM's words>": the cause is the CRM's, as for a whole record refused."""
    causes = [
        cause_of("owner-refused", f"owner 60071397: {OWNER}", record_id, {"hubspot_owner_id": "60071397"})
        for record_id in ("1001", "1002")
    ]
    assert causes[0].key == causes[1].key
    assert _text(*causes) == OWNER.replace(": ", " ", 1)
    assert fix_hint(causes[0]) == FIX_OWNER
