"""The CRM fields monitoring watches for a broken form or mapping: filled or empty as they arrived."""

from __future__ import annotations

from core.records import Account, CrmKind, ObjectType, Person, RecordRef
from scoring.features import filled_fields

REF = RecordRef(CrmKind.HUBSPOT, "1", ObjectType.CONTACT, "7")


def test_an_empty_or_blank_field_is_empty_and_the_account_fills_the_company_fields() -> None:
    person = Person(REF, email="ana@acme.io", title="  ", lead_source="Web")
    account = Account(RecordRef(CrmKind.HUBSPOT, "1", ObjectType.ACCOUNT, "9"), name="Acme", employees=250)
    assert filled_fields(person, account) == {
        "field: job title": None,
        "field: e-mail": "filled",
        "field: company": "filled",
        "field: industry": None,
        "field: company size": "filled",
        "field: country": None,
        "field: lead source": "filled",
    }


def test_without_an_account_the_persons_own_fields_count() -> None:
    person = Person(REF, title="VP Sales", company_name="Acme", employees_text="50+", country="DE")
    fields = filled_fields(person, None)
    assert fields["field: job title"] == fields["field: company"] == fields["field: company size"] == "filled"
    assert fields["field: country"] == "filled" and fields["field: e-mail"] is None
