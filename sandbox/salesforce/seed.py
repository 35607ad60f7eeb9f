"""A seeded Salesforce org from the same generator as the HubSpot side.

The HubSpot generator fills a scratch portal; its companies become Accounts, its owners Users,
and its contacts become Leads: a contact that reached a deal is a converted Lead with a Contact,
an Opportunity (won, lost or open) and an OpportunityContactRole; the rest stay open Leads. The
hidden propensity and the outcomes carry over (``Truth``, keyed by Salesforce ids).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.hubspot.store import Portal
from sandbox.salesforce.org import Org
from sandbox.salesforce.schema import fmt_time
from sandbox.seed import Truth, seed_portal

LEAD_STATUS = {
    "NEW": "Open - Not Contacted",
    "OPEN": "Open - Not Contacted",
    "": "Open - Not Contacted",
    "IN_PROGRESS": "Working - Contacted",
    "ATTEMPTED_TO_CONTACT": "Working - Contacted",
}
LEAD_SOURCE = {
    "ORGANIC_SEARCH": "Web",
    "PAID_SEARCH": "Web",
    "DIRECT_TRAFFIC": "Web",
    "REFERRALS": "Partner Referral",
    "OFFLINE": "Purchased List",
}
INDUSTRY = {
    "HOSPITAL_HEALTH_CARE": "Healthcare",
    "NON_PROFIT_ORGANIZATION_MANAGEMENT": "Not For Profit",
    "FOOD_BEVERAGES": "Food & Beverage",
    "LOGISTICS_AND_SUPPLY_CHAIN": "Logistics",
    "EDUCATION_MANAGEMENT": "Education",
}


def industry_label(value: str) -> str | None:
    if not value:
        return None
    return INDUSTRY.get(value) or value.replace("_", " ").title().replace(" And ", " and ")


def _int(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


def _ms(value: str) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


def seed_org(org: Org, *, seed: int, records: int, anchor: datetime) -> Truth:
    portal = Portal(portal_id=0, domain=f"{org.my_domain}.example.com", clock=org.clock)
    hs_truth = seed_portal(portal, seed=seed, records=records, anchor=anchor)
    truth = Truth()
    anchor_ms = int(anchor.timestamp() * 1000)
    old = anchor_ms - 900 * 86_400_000

    def make(sobject: str, values: dict[str, Any], user: str, at_ms: int) -> dict[str, Any]:
        record, problems = org.create(sobject, values, user, at_ms=at_ms, notify=False, trusted=True)
        assert record is not None, problems
        return record

    admin = make(
        "User",
        {
            "Username": f"admin@{portal.domain}",
            "FirstName": "Ada",
            "LastName": "Admin",
            "Email": f"admin@{portal.domain}",
            "IsActive": True,
            "UserType": "Standard",
            "ProfileId": "System Administrator",
            "TimeZoneSidKey": "America/Los_Angeles",
        },
        "",
        old,
    )
    org.admin_user_id = admin["Id"]
    org.customizers.add(admin["Id"])
    admin.update(CreatedById=admin["Id"], LastModifiedById=admin["Id"])
    make(
        "User",
        {
            "Username": f"marketing@{portal.domain}",
            "FirstName": "Max",
            "LastName": "Marketing",
            "Email": f"marketing@{portal.domain}",
            "IsActive": True,
            "UserType": "Standard",
            "ProfileId": "Marketing User",
        },
        admin["Id"],
        old,
    )
    users: dict[str, str] = {}
    for owner in portal.owners:
        user = make(
            "User",
            {
                "Username": owner["email"],
                "FirstName": owner["firstName"],
                "LastName": owner["lastName"],
                "Email": owner["email"],
                "IsActive": not owner["archived"],
                "UserType": "Standard",
                "ProfileId": "Standard User",
                "TimeZoneSidKey": "Europe/Berlin",
                "Department": (owner.get("teams") or [{}])[0].get("name"),
            },
            admin["Id"],
            old,
        )
        users[owner["id"]] = user["Id"]
    by_user_id = {o["userId"]: users[o["id"]] for o in portal.owners}

    def owner_of(props: dict[str, str]) -> str:
        return users.get(props.get("hubspot_owner_id") or "", admin["Id"])

    accounts: dict[str, dict[str, Any]] = {}
    for company in portal.live("companies"):
        p = company.props
        accounts[company.id] = make(
            "Account",
            {
                "Name": p["name"],
                "Website": p.get("website") or None,
                "Industry": industry_label(p.get("industry", "")),
                "NumberOfEmployees": _int(p.get("numberofemployees", "")),
                "AnnualRevenue": _int(p.get("annualrevenue", "")),
                "BillingCountry": p.get("country") or None,
                "BillingState": p.get("state") or None,
                "OwnerId": owner_of(p),
                "Type": "Prospect",
            },
            admin["Id"],
            company.created_ms,
        )

    for contact in portal.live("contacts"):
        p = contact.props
        company_ids = list(portal.associated("contacts", contact.id, "companies"))
        account = accounts.get(company_ids[0]) if company_ids else None
        deals = [portal.get("deals", d) for d in portal.associated("contacts", contact.id, "deals")]
        deals = [d for d in deals if d is not None]
        last_activity = max(
            (
                v
                for v in (
                    _ms(p.get(k, ""))
                    for k in (
                        "hs_analytics_last_visit_timestamp",
                        "hs_email_last_open_date",
                        "hs_email_last_click_date",
                        "recent_conversion_date",
                    )
                )
                if v
            ),
            default=None,
        )
        visits, clicks, forms = (
            _int(p.get(k, "")) or 0
            for k in ("hs_analytics_num_visits", "hs_email_click", "num_conversion_events")
        )
        person = {
            "FirstName": p.get("firstname") or None,
            "LastName": p.get("lastname") or "Unknown",
            "Email": p.get("email") or None,
            "Title": p.get("jobtitle") or None,
            "Phone": p.get("phone") or None,
            "OwnerId": owner_of(p),
            "pi__last_activity__c": last_activity and fmt_time(last_activity),
            "pi__conversion_date__c": _ms(p.get("recent_conversion_date", ""))
            and fmt_time(int(p["recent_conversion_date"])),
            "pi__score__c": visits * 3 + clicks * 3 + forms * 10,
            "LeadSource": LEAD_SOURCE.get(p.get("hs_analytics_source", ""), "Other"),
        }
        lead_values = dict(
            person,
            Company=p.get("company") or (account["Name"] if account else None) or "[not provided]",
            Website=p.get("website") or None,
            Country=p.get("country") or None,
            State=p.get("state") or None,
            Industry=(account or {}).get("Industry") if account and p.get("company") else None,
            NumberOfEmployees=(account or {}).get("NumberOfEmployees") if p.get("company_size") else None,
            AnnualRevenue=(account or {}).get("AnnualRevenue") if p.get("annualrevenue") else None,
            Status=LEAD_STATUS.get(p.get("hs_lead_status", ""), "Open - Not Contacted"),
        )
        lead = make("Lead", lead_values, admin["Id"], contact.created_ms)
        title_edit = (contact.history.get("jobtitle") or [{}])[0]
        if title_edit.get("sourceType") == "CRM_UI" and lead.get("Title"):
            rep = by_user_id.get(title_edit.get("updatedByUserId"), admin["Id"])
            org._history(
                "Lead",
                lead["Id"],
                "Title",
                lead["Title"] + " ",
                lead["Title"],
                rep,
                org.stamp(contact.created_ms + 3 * 86_400_000),
            )
        truth.propensity[lead["Id"]] = hs_truth.propensity[contact.id]
        if not deals:
            continue
        sf_contact = make(
            "Contact",
            dict(
                person,
                AccountId=account["Id"] if account else None,
                MailingCountry=p.get("country") or None,
                MailingState=p.get("state") or None,
            ),
            admin["Id"],
            contact.created_ms + 86_400_000,
        )
        truth.propensity[sf_contact["Id"]] = hs_truth.propensity[contact.id]
        first_opportunity = None
        for deal in deals:
            d = deal.props
            stage = {"closedwon": "Closed Won", "closedlost": "Closed Lost"}.get(
                d["dealstage"], "Qualification"
            )
            close_ms = _ms(d.get("closedate", "")) or deal.created_ms
            opportunity = make(
                "Opportunity",
                {
                    "Name": d["dealname"],
                    "AccountId": account["Id"] if account else None,
                    "StageName": stage,
                    "CloseDate": datetime.fromtimestamp(close_ms / 1000, UTC).date().isoformat(),
                    "Amount": _int(d.get("amount", "")),
                    "OwnerId": owner_of(p),
                    "LeadSource": person["LeadSource"],
                },
                admin["Id"],
                deal.created_ms,
            )
            make(
                "OpportunityContactRole",
                {
                    "OpportunityId": opportunity["Id"],
                    "ContactId": sf_contact["Id"],
                    "Role": "Decision Maker",
                    "IsPrimary": True,
                },
                admin["Id"],
                deal.created_ms,
            )
            first_opportunity = first_opportunity or opportunity
            if stage in ("Closed Won", "Closed Lost"):
                truth.won[lead["Id"]] = truth.won[sf_contact["Id"]] = stage == "Closed Won"
        converted_ms = contact.created_ms + 86_400_000
        org.records["Lead"][lead["Id"]].update(
            IsConverted=True,
            Status="Closed - Converted",
            ConvertedDate=datetime.fromtimestamp(converted_ms / 1000, UTC).date().isoformat(),
            ConvertedContactId=sf_contact["Id"],
            ConvertedAccountId=account["Id"] if account else None,
            ConvertedOpportunityId=first_opportunity["Id"] if first_opportunity else None,
            SystemModstamp=org.stamp(converted_ms),
            LastModifiedDate=org.stamp(converted_ms),
        )
    return truth
