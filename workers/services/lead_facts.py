"""Who a scored record is, for the lead directory the admin app's Leads list reads: a person's name,
e-mail, company, domain and owner (with the owner's name where the routing configuration knows it),
or an account's name, domain and owner."""

from __future__ import annotations

from collections.abc import Mapping

from core.records import Account, Person, PipelineLead
from routing.types import RoutingConfig
from scoring.parse import normalise_domain
from storage.lead_directory import LeadFacts


def owner_names(config: RoutingConfig) -> dict[str, str]:
    """Owner id -> name, from the reps (configured, or the CRM's owner list) and the queues."""
    names = {q.owner_id: q.name for q in config.queues.values() if q.owner_id}
    return names | {r.owner_id: r.name for r in config.reps if r.name and r.name != r.owner_id}


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def person_facts(
    person: Person, account: Account | None, owner_id: str | None, names: Mapping[str, str]
) -> LeadFacts:
    """``owner_id``: the owner the record has now (the one leadq just wrote, else the one read)."""
    email = _text(person.email).lower()
    domain = (
        (account.domain if account and account.domain else None)
        or normalise_domain(person.website)
        or (email.rpartition("@")[2] if "@" in email else "")
    )
    return LeadFacts(
        object_type=person.ref.object_type.value,
        record_id=person.ref.record_id,
        name=" ".join(n for n in (_text(person.first_name), _text(person.last_name)) if n),
        email=email,
        company=_text(person.company_name) or _text(account.name if account else None),
        domain=domain or "",
        owner_id=_text(owner_id),
        owner_name=names.get(owner_id or "", ""),
    )


def account_facts(account: Account, names: Mapping[str, str]) -> LeadFacts:
    return LeadFacts(
        object_type=account.ref.object_type.value,
        record_id=account.ref.record_id,
        name=_text(account.name),
        company=_text(account.name),
        domain=_text(account.domain) or normalise_domain(account.website) or "",
        owner_id=_text(account.owner_id),
        owner_name=names.get(account.owner_id or "", ""),
    )


def pipeline_lead_facts(
    lead: PipelineLead,
    person: Person,
    account: Account | None,
    owner_id: str | None,
    label: str | None,
    names: Mapping[str, str],
) -> LeadFacts:
    """A HubSpot Leads record: its own name, owner, label and stage; its contact's e-mail, company and
    domain (what the list searches)."""
    of_person = person_facts(person, account, owner_id, names)
    return LeadFacts(
        object_type=lead.ref.object_type.value,
        record_id=lead.ref.record_id,
        name=_text(lead.name) or of_person.name,
        email=of_person.email,
        company=of_person.company,
        domain=of_person.domain,
        owner_id=_text(owner_id),
        owner_name=names.get(owner_id or "", ""),
        person_id=person.ref.record_id,
        label=_text(label),
        stage=_text(lead.stage),
    )
