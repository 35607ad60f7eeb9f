"""From a CRM person and its scoring features to the lead routing decides on."""

from __future__ import annotations

from core.records import Person, Tier, Verdict
from routing.types import RoutingLead
from scoring.features import PersonFeatures


def routing_lead(person: Person, f: PersonFeatures, tier: Tier, verdict: Verdict) -> RoutingLead:
    return RoutingLead(
        person.ref.record_id,
        tier,
        verdict,
        email_domain=f.email.domain,
        company_name=person.company_name,
        website=person.website,
        country=f.country,
        region=person.region,
        industry=(f.industry or "").removeprefix("other:") or None,
        employees=f.employees,
        current_owner_id=person.owner_id,
    )
