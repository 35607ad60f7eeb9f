"""Salesforce's owners (standard users) and won/lost opportunities as outcomes: of the lead each was
converted from, or else of its contacts (through OpportunityContactRole)."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.salesforce.client import SalesforceCalls, query_all
from connector.salesforce.mapping import parse_time
from core.records import CrmKind, ObjectType, Outcome, OutcomeKind, Owner, RecordRef


def list_owners(calls: SalesforceCalls, integration_user_id: str) -> list[Owner]:
    """Standard users, active or not; never leadq's integration user."""
    rows = query_all(
        calls,
        "SELECT Id, Name, Email, IsActive, Department FROM User WHERE UserType = 'Standard' ORDER BY Id",
        "owners",
    )
    return [
        Owner(
            CrmKind.SALESFORCE,
            str(r["Id"]),
            r.get("Email"),
            r.get("Name"),
            active=bool(r.get("IsActive")),
            teams=(r["Department"],) if r.get("Department") else (),
        )
        for r in rows
        if r["Id"] != integration_user_id  # the integration user never works leads
    ]


def opportunity_outcomes(calls: SalesforceCalls, org_id: str) -> list[Outcome]:
    """Won/lost opportunities, as outcomes of the lead they were converted from, or else of their
    contacts (through OpportunityContactRole) when no converted lead points at them."""
    closed = {
        str(r["Id"]): r
        for r in query_all(
            calls,
            "SELECT Id, IsWon, CloseDate, Amount FROM Opportunity WHERE IsClosed = true",
            "closed opportunities",
        )
    }
    converted = query_all(
        calls,
        "SELECT Id, ConvertedOpportunityId, ConvertedContactId FROM Lead WHERE IsConverted = true",
        "converted leads",
    )
    roles = query_all(calls, "SELECT ContactId, OpportunityId FROM OpportunityContactRole", "contact roles")
    from_leads = {str(r["ConvertedContactId"]) for r in converted if r.get("ConvertedContactId")}
    out: list[Outcome] = []

    def outcome(obj: ObjectType, record_id: str, opportunity_id: str) -> Outcome:
        opportunity = closed[opportunity_id]
        when = parse_time(str(opportunity.get("CloseDate") or "")) or datetime.now(UTC)
        amount = opportunity.get("Amount")
        return Outcome(
            ref=RecordRef(CrmKind.SALESFORCE, org_id, obj, record_id),
            kind=OutcomeKind.WON if opportunity.get("IsWon") else OutcomeKind.LOST,
            occurred_at=when,
            amount=float(amount) if isinstance(amount, int | float) else None,
            source_ref=RecordRef(CrmKind.SALESFORCE, org_id, ObjectType.DEAL, opportunity_id),
        )

    for lead in converted:
        opportunity_id = str(lead.get("ConvertedOpportunityId") or "")
        if opportunity_id in closed:
            out.append(outcome(ObjectType.LEAD, str(lead["Id"]), opportunity_id))
    for role in roles:
        opportunity_id, contact_id = str(role.get("OpportunityId")), str(role.get("ContactId"))
        if opportunity_id in closed and contact_id not in from_leads:
            out.append(outcome(ObjectType.CONTACT, contact_id, opportunity_id))
    return out
