"""Salesforce field history as real orgs write it: lookups under their relationship name, with a
row of ids (kept) and a row of names (ignored); everything else under its API name."""

from __future__ import annotations

from connector.salesforce.history import history_name, is_id_row
from sandbox.salesforce.history import history_field, history_values
from sandbox.salesforce.schema import FieldDef


def test_history_names_fields_as_salesforce_does() -> None:
    assert history_name("OwnerId") == "Owner"
    assert history_name("AccountId") == "Account"
    assert history_name("Title") == "Title"
    assert history_name("LeadQ_Tier__c") == "LeadQ_Tier__c"
    assert history_name("Rep_OwnerId__c") == "Rep_OwnerId__c", "a custom field keeps its __c API name"
    assert history_field(FieldDef("OwnerId", "reference")) == "Owner"
    assert history_field(FieldDef("Partner__c", "reference", custom=True)) == "Partner__c"
    assert history_field(FieldDef("Rating", "picklist")) == "Rating"


def test_an_owner_change_is_a_row_of_ids_and_a_row_of_names() -> None:
    names = {"005A": "Ana Ruiz", "005B": "Ben Okafor"}
    rows = history_values(FieldDef("OwnerId", "reference"), "005A", "005B", names.get)
    assert rows == [("005A", "005B", "EntityId"), ("Ana Ruiz", "Ben Okafor", "Text")]


def test_long_text_is_recorded_as_changed_without_values() -> None:
    long_text = FieldDef("Notes__c", "textarea", length=32768, custom=True)
    assert history_values(long_text, "old", "new", lambda _v: None) == [(None, None, "TextArea")]
    assert history_values(FieldDef("Title", "string"), "a", "b", lambda _v: None) == [("a", "b", "Text")]


def test_only_the_row_of_ids_counts_for_a_lookup() -> None:
    ids = {"Field": "Owner", "DataType": "EntityId", "OldValue": "0055g000000000AAAA", "NewValue": None}
    names = {"Field": "Owner", "DataType": "Text", "OldValue": "Ana Ruiz", "NewValue": "Ben Okafor"}
    assert is_id_row(ids) and not is_id_row(names)
    untyped = {"OldValue": "0055g000000000AAAA", "NewValue": "0055g000000000BAAQ"}
    assert is_id_row(untyped) and not is_id_row({"OldValue": "Ana Ruiz", "NewValue": "Ben Okafor"})
