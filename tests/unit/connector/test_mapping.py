"""HubSpot properties to canonical records, with a field map for custom properties."""

from __future__ import annotations

import pytest

from connector.hubspot.mapping import FieldMapError, company_to_account, contact_to_person, load_field_map


def test_garbage_values_become_none_not_exceptions():
    person = contact_to_person(
        "1",
        {
            "id": "5",
            "properties": {
                "hs_analytics_num_visits": "lots",
                "createdate": "yesterday",
                "email": "  ",
                "jobtitle": "VP Sales",
                "hs_email_last_open_date": "1700000000000",
            },
        },
    )
    assert person.engagement.site_visits == 0 and person.created_at is None and person.email is None
    assert person.title == "VP Sales" and person.engagement.last_email_open_at.year == 2023
    account = company_to_account(
        "1",
        {
            "id": "9",
            "properties": {
                "numberofemployees": "-3",
                "annualrevenue": "NaN",
                "domain": "WWW.Acme.io",
                "web_technologies": "a;b",
            },
        },
    )
    assert account.employees is None and account.annual_revenue is None
    assert account.domain == "acme.io" and account.tech_stack == ("a", "b")


def test_a_field_map_points_canonical_fields_at_custom_properties():
    fields = load_field_map('[contact]\ntitle = "job_role__c"\n[company]\nemployees = "headcount"')
    person = contact_to_person(
        "1", {"id": "5", "properties": {"job_role__c": "CRO", "jobtitle": "ignored"}}, fields
    )
    assert person.title == "CRO" and "job_role__c" in fields.contact_properties()
    account = company_to_account("1", {"id": "9", "properties": {"headcount": "120"}}, fields)
    assert account.employees == 120


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[lead]\nx = "y"', "lead"),
        ('[contact]\nshoe_size = "x"', "contact.shoe_size"),
        ("[contact]\ntitle = 3", "contact.title"),
    ],
)
def test_field_map_errors_name_the_key(text, key):
    with pytest.raises(FieldMapError) as caught:
        load_field_map(text)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[contact\n", "not valid TOML"),
        ("[contact]\ntitle = " + "9" * 5000 + "\n", "too many digits"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
)
def test_a_broken_field_map_is_a_field_map_error_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(FieldMapError, match=problem):
        load_field_map(text)
