"""Builders for tests: canonical records by hand, and from the sandbox CRM's seeded portal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from connector.hubspot.mapping import company_to_account, contact_to_person, parse_time
from core.records import Account, CrmKind, Engagement, ObjectType, Person, RecordRef
from scoring.training import Example

NOW = datetime(2026, 11, 1, tzinfo=UTC)


class PersonBuilder:
    """Fluent: PersonBuilder().title("VP Sales").email("dana@acme.io").build()."""

    def __init__(self, record_id: str = "1") -> None:
        self._person = Person(
            ref=RecordRef(CrmKind.HUBSPOT, "1", ObjectType.CONTACT, record_id),
            email="dana@acme.io",
            title="VP Sales",
            company_name="Acme",
            country="US",
        )

    def with_(self, **values: Any) -> PersonBuilder:
        self._person = replace(self._person, **values)
        return self

    def title(self, title: str | None) -> PersonBuilder:
        return self.with_(title=title)

    def email(self, email: str | None) -> PersonBuilder:
        return self.with_(email=email)

    def engagement(self, **values: Any) -> PersonBuilder:
        return self.with_(engagement=Engagement(**values))

    def build(self) -> Person:
        return self._person


class AccountBuilder:
    def __init__(self, record_id: str = "10") -> None:
        self._account = Account(
            ref=RecordRef(CrmKind.HUBSPOT, "1", ObjectType.ACCOUNT, record_id),
            name="Acme",
            domain="acme.io",
            industry="COMPUTER_SOFTWARE",
            employees=200,
            annual_revenue=20_000_000.0,
            country="US",
            tech_stack=("salesforce", "segment"),
        )

    def with_(self, **values: Any) -> AccountBuilder:
        self._account = replace(self._account, **values)
        return self

    def build(self) -> Account:
        return self._account


def sandbox_examples(portal: Any) -> list[Example]:
    """Every contact with a closed deal in a seeded sandbox portal, as a training example."""
    companies = {
        c.id: company_to_account(str(portal.portal_id), {"id": c.id, "properties": c.props})
        for c in portal.live("companies")
    }
    examples = []
    for deal in portal.live("deals"):
        stage = deal.props.get("dealstage")
        if stage not in ("closedwon", "closedlost"):
            continue
        for contact_id in portal.associated("deals", deal.id, "contacts"):
            record = portal.get("contacts", contact_id)
            person = contact_to_person(str(portal.portal_id), {"id": record.id, "properties": record.props})
            account = companies.get(person.account_id or "")
            examples.append(
                Example(person, account, stage == "closedwon", parse_time(deal.props["closedate"]))
            )
    return examples


def sandbox_people(portal: Any) -> list[tuple[Person, Account | None]]:
    companies = {
        c.id: company_to_account(str(portal.portal_id), {"id": c.id, "properties": c.props})
        for c in portal.live("companies")
    }
    out = []
    for record in portal.live("contacts"):
        person = contact_to_person(str(portal.portal_id), {"id": record.id, "properties": record.props})
        out.append((person, companies.get(person.account_id or "")))
    return out
