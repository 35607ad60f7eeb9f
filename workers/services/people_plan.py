"""Plan a batch of people, without writing anything: score them, route the unowned, propose their
field values and let the write policy decide against the CRM's values and the ledger.

Pure but for the router it is given (which commits each decision to the routing state); what it
plans is applied to the CRM and recorded by ``workers.services.sync``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connector.base import NewLead
from connector.write_policy import Action, FieldDecision, Policy, plan_writes
from core.records import (
    Account,
    CrmKind,
    FieldState,
    FieldUpdate,
    ObjectType,
    Person,
    PipelineLead,
    RecordRef,
    Verdict,
)
from routing.types import Decision, RoutingLead
from scoring.features import PersonFeatures, filled_fields, person_features
from scoring.icp import Icp
from scoring.leadmodel import LearnedModel
from scoring.person_tier import person_set_tier, with_person_tier
from scoring.score import Score, score_people
from scoring.what_if import with_what_ifs
from workers.services.batch import BatchReport
from workers.services.requalify_plan import EngagedPeople, Prior, requalified
from workers.services.routing_lead import routing_lead
from workers.services.writeback import APP_FIELDS, LABEL_FIELD, TIER_FIELD, fields_from, tier_value

RecordKey = tuple[str, str]  # (object type, record id)
Router = Callable[[RoutingLead], Decision]


def key_of(record: Person | PipelineLead) -> RecordKey:
    return (record.ref.object_type.value, record.ref.record_id)


@dataclass(frozen=True, slots=True)
class Planner:
    """What planning needs to know about the installation."""

    crm: CrmKind
    icp: Icp
    model: LearnedModel | None
    model_note: str
    owner_key: str
    policies: Mapping[str, Policy]
    route: Router  # decides (and, for a real run, commits) who gets an unowned lead
    lead_labels: Mapping[str, str] = field(default_factory=dict)  # tier -> a pipeline lead's label value
    create_leads: bool = False  # give a sales-ready person without an open pipeline lead a new one
    now: datetime | None = None  # the real clock (re-qualification); None: the scoring day
    engaged: EngagedPeople | None = None  # engaged people per company; None: no new-contact trigger


@dataclass(frozen=True, slots=True)
class ScoredPerson:
    person: Person
    score: Score
    inputs: Mapping[str, object] | None = None  # the model's inputs (PersonFeatures.model_row)


@dataclass(frozen=True, slots=True)
class ScoredLead:
    """A person's open pipeline lead, scored as its person (same score, reasons and tier)."""

    lead: PipelineLead
    person: Person
    score: Score
    inputs: Mapping[str, object] | None = None  # its person's model inputs


@dataclass(frozen=True, slots=True)
class LeadToCreate:
    """A pipeline lead leadq proposes for a sales-ready person who has no open one."""

    new: NewLead
    person: Person
    score: Score


@dataclass(frozen=True, slots=True)
class RoutedPerson:
    person: Person
    decision: Decision
    probability: float | None = None  # the person's calibrated probability when routed


@dataclass
class BatchPlan:
    """The batch as planned: its scores, the routing decisions, the writes the policy allows, the
    overrides people made of leadq's fields, and the report so far (actions and samples)."""

    scored: list[ScoredPerson] = field(default_factory=list)
    leads: list[ScoredLead] = field(default_factory=list)
    to_create: list[LeadToCreate] = field(default_factory=list)
    routed: list[RoutedPerson] = field(default_factory=list)
    updates: list[FieldUpdate] = field(default_factory=list)
    overrides: list[FieldDecision] = field(default_factory=list)
    report: BatchReport = field(default_factory=BatchReport)


def plan_batch(
    planner: Planner,
    pairs: Sequence[tuple[Person, Account | None]],
    day: datetime,
    scored_at: str,
    ours_by_record: Mapping[RecordKey, Mapping[str, str | None]],
    skip: frozenset[RecordKey] = frozenset(),
    leads: Mapping[str, Sequence[PipelineLead]] | None = None,
    priors: Mapping[RecordKey, Prior] | None = None,
) -> BatchPlan:
    """Plan these people. ``day``: the scores are as of it; ``scored_at``: the ``leadq_scored_at``
    value of the records written; ``ours_by_record``: the ledger (people's and leads'); ``skip``: stale
    reads (scored, but neither routed nor written); ``leads``: each person's open pipeline leads (by
    person id), planned with their person's score and owner; ``priors``: what leadq stored with each
    person's previous score (re-qualification triggers are decided against it)."""
    features = [person_features(p, a, planner.icp, day) for p, a in pairs]  # scoring and routing share them
    scores = score_people(pairs, planner.icp, planner.model, day, planner.model_note, features)
    scores = with_what_ifs(pairs, scores, planner.icp, planner.model, day, planner.model_note, features)
    now = planner.now or day
    scores = requalified(pairs, scores, priors or {}, planner.icp.requalify, now, planner.engaged)
    rows = [{**f.model_row(), **filled_fields(p, a)} for f, (p, a) in zip(features, pairs, strict=True)]
    plan = BatchPlan(
        scored=[ScoredPerson(p, s, row) for (p, _a), s, row in zip(pairs, scores, rows, strict=True)]
    )
    plan.report.scored = len(scores)
    for (person, account), score, feats, row in zip(pairs, scores, features, rows, strict=True):
        if key_of(person) in skip:
            continue
        ours = ours_by_record.get(key_of(person), {})
        shown = _as_the_crm_shows(planner, person, score, ours)
        owner = _plan_person(planner, plan, person, score, shown, feats, scored_at, ours)
        open_leads = (leads or {}).get(person.ref.record_id, ())
        for lead in open_leads:
            if key_of(lead) not in skip:
                scored_lead = ScoredLead(lead, person, score, row)
                _plan_lead(planner, plan, scored_lead, shown, owner, scored_at, ours_by_record)
        if planner.create_leads and not open_leads and shown.verdict == Verdict.SALES_READY:
            plan.to_create.append(_new_lead(planner, person, account, score, owner, scored_at))
            plan.report.actions[(f"{ObjectType.PIPELINE_LEAD.value}.record", "create")] += 1
    return plan


def _new_lead(
    planner: Planner, person: Person, account: Account | None, score: Score, owner: str | None, scored_at: str
) -> LeadToCreate:
    """Named as the person is (HubSpot requires a name), in the CRM's first stage, with leadq's fields,
    the tier's label and the person's owner."""
    properties = {k: v for k, v in fields_from(planner.crm, score, None).items() if v not in (None, "")}
    label = planner.lead_labels.get(score.tier.value)
    if label:
        properties[LABEL_FIELD] = label
    properties["leadq_scored_at"] = scored_at
    name = (
        " ".join(n for n in (person.first_name, person.last_name) if n)
        or person.email
        or person.ref.record_id
    )
    account_id = account.ref.record_id if account is not None else person.account_id
    return LeadToCreate(NewLead(person.ref.record_id, account_id, name, owner, properties), person, score)


def _as_the_crm_shows(
    planner: Planner, person: Person, score: Score, ours: Mapping[str, str | None]
) -> Score:
    """The score as leadq writes it: with the tier a person set over leadq's, if one did (its verdict
    decided again for that tier, scoring.person_tier); else leadq's own."""
    held = person_set_tier(person.raw.get(TIER_FIELD), ours.get(TIER_FIELD))
    return with_person_tier(score, held, planner.icp.verdicts) if held is not None else score


def _plan_person(
    planner: Planner,
    plan: BatchPlan,
    person: Person,
    score: Score,
    shown: Score,
    feats: PersonFeatures,
    scored_at: str,
    ours: Mapping[str, str | None],
) -> str | None:
    """Plan one person's writes (``score``: leadq's; ``shown``: the score as the CRM is to show it);
    returns the owner the person has after this batch (routed or read). The tier proposed is always
    leadq's own, so a tier a person set is kept and recorded as their feedback."""
    owner_key = planner.owner_key
    decision = None
    if person.owner_id is None and shown.verdict != Verdict.NEEDS_INFO:
        decision = planner.route(routing_lead(person, feats, shown.tier, shown.verdict))
        plan.routed.append(RoutedPerson(person, decision, shown.probability))
    proposed = fields_from(planner.crm, shown, decision)
    proposed[TIER_FIELD] = tier_value(score.tier)
    if person.owner_id is not None and ours.get(owner_key) == person.owner_id:
        proposed.pop(owner_key, None)  # routed already; a re-run must not re-route
    elif decision is None and person.owner_id is not None and ours.get(owner_key):
        # A person moved the lead leadq had routed: leadq's owner stays proposed so the policy keeps
        # the person's and records it as their feedback (it is never written).
        proposed[owner_key] = ours[owner_key]
    current = {k: FieldState(person.raw.get(k)) for k in proposed}
    allowed, field_decisions = plan_writes(person.ref, proposed, current, ours, planner.policies)
    for d in field_decisions:
        plan.report.actions[(d.key, d.action.value)] += 1
        if d.action == Action.HUMAN and d.key in (*APP_FIELDS, owner_key) and d.key in ours:
            plan.overrides.append(d)
    _add_writes(plan, person.ref, allowed, field_decisions, scored_at)
    return decision.owner_id if decision is not None and decision.owner_id else person.owner_id


def _plan_lead(
    planner: Planner,
    plan: BatchPlan,
    scored: ScoredLead,
    shown: Score,
    owner: str | None,
    scored_at: str,
    ours_by_record: Mapping[RecordKey, Mapping[str, str | None]],
) -> None:
    """A pipeline lead carries its person's score as the CRM shows it on the person (``shown``: with
    a tier a person set there), a label from that tier and, where nobody else set one, its person's
    owner; the write policy decides each field as for the person (a label or owner a person set on
    the lead wins)."""
    lead, owner_key = scored.lead, planner.owner_key
    plan.leads.append(scored)
    plan.report.leads_scored += 1
    proposed = fields_from(planner.crm, shown)
    label = planner.lead_labels.get(shown.tier.value)
    if label:
        proposed[LABEL_FIELD] = label
    if owner:
        proposed[owner_key] = owner
    ours = ours_by_record.get(key_of(lead), {})
    current = {k: FieldState(lead.raw.get(k)) for k in proposed}
    allowed, field_decisions = plan_writes(lead.ref, proposed, current, ours, planner.policies)
    for d in field_decisions:  # counted apart from the people's fields, as the accounts' are
        plan.report.actions[(f"{lead.ref.object_type.value}.{d.key}", d.action.value)] += 1
        if d.action == Action.HUMAN and d.key in (*APP_FIELDS, owner_key, LABEL_FIELD) and d.key in ours:
            plan.overrides.append(d)
    _add_writes(plan, lead.ref, allowed, field_decisions, scored_at)


def _add_writes(
    plan: BatchPlan,
    ref: RecordRef,
    allowed: list[FieldUpdate],
    decisions: list[FieldDecision],
    scored_at: str,
) -> None:
    if allowed:
        allowed.append(FieldUpdate(ref, "leadq_scored_at", scored_at))
        plan.updates.extend(allowed)
        plan.report.add_sample(ref.record_id, decisions)
