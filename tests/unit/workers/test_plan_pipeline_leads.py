"""Planning a person's open HubSpot Leads records with the person: same score, a label from the tier,
the person's owner where the lead has none, and the write policy deciding each field (a label or
owner a person set wins)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from core.records import (
    Account,
    CrmKind,
    Engagement,
    ObjectType,
    Person,
    PipelineLead,
    RecordRef,
    Tier,
)
from routing.types import Decision, RoutingLead
from scoring.icp import load_icp
from workers.services.people_plan import Planner, plan_batch
from workers.services.requalify_plan import Prior
from workers.services.writeback import LABEL_FIELD, policies

DEFAULT_LEAD_LABELS = {"L1": "HOT", "L2": "WARM", "L3": "COLD", "L4": "COLD"}  # the routing file's default

DAY = datetime(2026, 12, 4, tzinfo=UTC)
OWNER = "hubspot_owner_id"


def _ref(kind: ObjectType, record_id: str) -> RecordRef:
    return RecordRef(CrmKind.HUBSPOT, "99", kind, record_id)


def _person(record_id: str, owner: str | None = None) -> Person:
    return Person(
        ref=_ref(ObjectType.CONTACT, record_id),
        email=f"p{record_id}@acme.io",
        first_name="Ada",
        last_name=f"Lovelace{record_id}",
        title="VP Engineering",
        company_name="Acme",
        country="US",
        industry="software",
        employees_text="500",
        owner_id=owner,
        engagement=Engagement(form_submissions=2, page_views=12, last_form_at=DAY),
        version="2026-12-04T09:00:00Z",
    )


def _lead(
    record_id: str, person: str, raw: dict[str, str] | None = None, owner: str | None = None
) -> PipelineLead:
    return PipelineLead(
        ref=_ref(ObjectType.PIPELINE_LEAD, record_id),
        person_id=person,
        name=f"Lead {record_id}",
        owner_id=owner,
        version="2026-12-04T09:00:00Z",
        raw=dict(raw or {}),
    )


def _planner(routed_to: str | None = "7001") -> Planner:
    def route(lead: RoutingLead) -> Decision:
        return Decision(owner_id=routed_to, queue=None, rule="round_robin", path=("test",))

    return Planner(
        crm=CrmKind.HUBSPOT,
        icp=load_icp(),
        model=None,
        model_note="",
        owner_key=OWNER,
        policies=policies(CrmKind.HUBSPOT),
        route=route,
        lead_labels=DEFAULT_LEAD_LABELS,
    )


def _plan(people: list[Person], leads: dict[str, list[PipelineLead]], ledger=None):
    pairs: list[tuple[Person, Account | None]] = [(p, None) for p in people]
    return plan_batch(_planner(), pairs, DAY, "2026-12-04T10:00:00Z", ledger or {}, frozenset(), leads)


def _written(plan, ref: RecordRef) -> dict[str, str | None]:
    return {u.key: u.value for u in plan.updates if u.ref == ref}


def test_a_lead_gets_its_persons_score_the_label_of_its_tier_and_the_persons_owner() -> None:
    person = _person("1", owner="5005")
    lead = _lead("1", "1")  # same id as the contact: a different object, kept apart
    plan = _plan([person], {"1": [lead]})
    contact_fields, lead_fields = _written(plan, person.ref), _written(plan, lead.ref)
    tier = plan.scored[0].score.tier.value
    for key in ("leadq_fit_score", "leadq_tier", "leadq_verdict", "leadq_reasons", "leadq_probability"):
        assert lead_fields.get(key) == contact_fields.get(key)
    assert lead_fields[LABEL_FIELD] == DEFAULT_LEAD_LABELS[tier]
    assert lead_fields[OWNER] == "5005"
    assert OWNER not in contact_fields  # the person's own owner stands
    assert lead_fields["leadq_scored_at"] == "2026-12-04T10:00:00Z"
    assert plan.report.leads_scored == 1
    assert [s.lead.ref for s in plan.leads] == [lead.ref]


def test_an_unowned_persons_lead_goes_to_the_rep_the_person_is_routed_to() -> None:
    person = _person("2")
    plan = _plan([person], {"2": [_lead("20", "2"), _lead("21", "2")]})
    assert [r.decision.owner_id for r in plan.routed] == ["7001"]  # routed once, for the person
    assert _written(plan, person.ref)[OWNER] == "7001"
    for lead_id in ("20", "21"):
        assert _written(plan, _ref(ObjectType.PIPELINE_LEAD, lead_id))[OWNER] == "7001"


def test_a_label_and_an_owner_a_person_set_are_never_overwritten() -> None:
    person = _person("3", owner="5005")
    lead = _lead("30", "3", raw={LABEL_FIELD: "COLD", OWNER: "6006"}, owner="6006")
    ledger = {("pipeline_lead", "30"): {LABEL_FIELD: "HOT", OWNER: "5005"}}  # leadq wrote others before
    plan = _plan([person], {"3": [lead]}, ledger)
    fields = _written(plan, lead.ref)
    assert LABEL_FIELD not in fields and OWNER not in fields
    assert fields["leadq_tier"]  # leadq's own fields still land
    overridden = {(d.ref.record_id, d.key, d.before) for d in plan.overrides}
    assert ("30", LABEL_FIELD, "COLD") in overridden and ("30", OWNER, "6006") in overridden


def test_a_label_leadq_wrote_follows_the_tier_and_a_rerun_writes_nothing() -> None:
    person = _person("4", owner="5005")
    first = _plan([person], {"4": [_lead("40", "4")]})
    written = _written(first, _ref(ObjectType.PIPELINE_LEAD, "40"))
    raw = {k: v for k, v in written.items() if v is not None and k != "leadq_scored_at"}
    again = _plan([person], {"4": [_lead("40", "4", raw=raw, owner="5005")]}, {("pipeline_lead", "40"): raw})
    assert _written(again, _ref(ObjectType.PIPELINE_LEAD, "40")) == {}
    stale = {**raw, LABEL_FIELD: "COLD" if raw[LABEL_FIELD] != "COLD" else "HOT"}
    moved = _plan(
        [person], {"4": [_lead("40", "4", raw=stale, owner="5005")]}, {("pipeline_lead", "40"): stale}
    )
    assert _written(moved, _ref(ObjectType.PIPELINE_LEAD, "40"))[LABEL_FIELD] == raw[LABEL_FIELD]


def test_people_without_leads_plan_as_before() -> None:
    person = _person("5", owner="5005")
    with_none = _plan([person], {})
    assert with_none.leads == [] and with_none.report.leads_scored == 0
    assert all(u.ref.object_type == ObjectType.CONTACT for u in with_none.updates)


def _plan_with(person: Person, leads: dict[str, list[PipelineLead]], priors, engaged=None):
    planner = dataclasses.replace(_planner(), now=DAY, engaged=engaged)
    pairs: list[tuple[Person, Account | None]] = [(person, None)]
    return plan_batch(planner, pairs, DAY, "2026-12-04T10:00:00Z", {}, frozenset(), leads, priors)


def test_a_dormant_person_who_engages_again_into_l1_l2_is_flagged_on_the_contact_and_its_lead() -> None:
    person = _person("6", owner="5005")
    tier = _plan([person], {}).scored[0].score.tier
    assert tier in (Tier.L1, Tier.L2)  # the test person is a hot lead today
    before = DAY - timedelta(days=94)
    plan = _plan_with(person, {"6": [_lead("60", "6")]}, {("contact", "6"): Prior(Tier.L3, before, ())})
    for ref in (person.ref, _ref(ObjectType.PIPELINE_LEAD, "60")):
        reasons = _written(plan, ref)["leadq_reasons"] or ""
        assert reasons.splitlines()[1] == "* re-engaged after 94 days"
    stays = _plan_with(person, {}, {("contact", "6"): Prior(tier, before, ())})  # was hot already
    assert "re-engaged" not in (_written(stays, person.ref).get("leadq_reasons") or "")


def test_a_new_contact_at_a_company_with_engaged_people_is_flagged() -> None:
    person = _person("7", owner="5005")
    person = dataclasses.replace(person, account_id="900")
    asked: list[list[str]] = []

    def engaged(companies):
        asked.append(list(companies))
        return {"900": frozenset({"71", "72", "7"})}

    plan = _plan_with(person, {}, {}, engaged)
    assert asked == [["900"]]
    reasons = _written(plan, person.ref)["leadq_reasons"] or ""
    assert reasons.splitlines()[1].startswith("* ") and "engaged" in reasons.splitlines()[1]
    assert "Acme" in reasons.splitlines()[1]
    scored_before = _plan_with(person, {}, {("contact", "7"): Prior(Tier.L4, None, ())}, engaged)
    assert "engaged contact" not in (_written(scored_before, person.ref).get("leadq_reasons") or "")
