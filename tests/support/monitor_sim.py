"""Weeks of go-live, simulated on leadq's store as the running product fills it.

``world(seed)``: the seeded sandbox (hidden propensity in ``Truth``), the model trained on its closed
deals (``train_crm_model``, as the first retrain does) and its owners. ``Sim`` plays weeks: each
weekday's new leads, drawn from the seeded people (their clocks moved so each looks at its scoring
time as it did at the seed's anchor), scored by ``score_people`` with the champion, stored by
``storage.scores.add`` (priority, model inputs), routed by ``route_and_commit`` on the Redis routing
state and logged by ``storage.routing_log.record``; reps' first touches; outcomes drawn from the
hidden propensity 2-8 weeks after scoring, stored by ``storage.outcomes.upsert`` once they happened.
Deterministic: every time and draw is a function of the seed and the week.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from core.records import Account, CrmKind, Engagement, ObjectType, Person, RecordRef, Tier, Verdict
from routing.config import load_routing, segment_of
from routing.decide import route
from routing.reroute import Assignment
from routing.service import reroute, route_and_commit
from routing.state import week_key
from routing.types import RoutingConfig, RoutingLead, Snapshot
from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.features import filled_fields, person_features
from scoring.icp import load_icp
from scoring.leadmodel import LeadModel
from scoring.score import score_people
from scoring.training import Example, train_crm_model
from storage import installations, models_registry, outcomes, routing_log, scores
from storage.outcomes import NewOutcome
from storage.redis_state import RedisRoutingState
from storage.statuses import DecisionStatus
from tests.builders import sandbox_examples, sandbox_people
from workers.services.batch import new_score
from workers.services.routing_lead import routing_lead

GO_LIVE = datetime(2026, 11, 2, tzinfo=UTC)  # the Monday after the seed's anchor (2026-11-01)
BATCH_HOUR = 18  # each weekday's leads (created 08:00-18:00) are scored and routed at 18:00 UTC
ICP = load_icp()
CONTACT = ObjectType.CONTACT.value
WEIGHTS = (1.0, 1.0, 2.0, 1.0, 1.5, 1.0, 1.0, 2.0, 1.0)  # the reps' configured weights, in order


@dataclass(frozen=True)
class World:
    """What one seed gives: the people new leads are drawn from, with their hidden propensity, the
    model trained on the seed's closed deals, its training window and the CRM's owners."""

    seed: int
    people: tuple[tuple[Person, Account | None, float], ...]
    model: LeadModel
    examples: tuple[Example, ...]
    owners: tuple[tuple[str, str], ...]  # (owner id, name) of the active owners
    report: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)  # held-out figures


@lru_cache(maxsize=16)
def world(seed: int, records: int = 2000) -> World:
    portal = Portal(portal_id=seed, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    truth = seed_portal(portal, seed=seed, records=records)
    examples = tuple(sandbox_examples(portal))
    trained = train_crm_model(examples, ICP, version=f"m-seed{seed}")
    assert trained.model is not None, trained.why
    people = tuple((p, a, truth.propensity[p.ref.record_id]) for p, a in sandbox_people(portal))
    owners = tuple((o["id"], f"{o['firstName']} {o['lastName']}") for o in portal.owners if not o["archived"])
    return World(seed, people, trained.model, examples, owners, dict(trained.report))


def team_text(
    owners: tuple[tuple[str, str], ...],
    *,
    capacity: int = 60,
    inactive: str = "",
    floor_cap: tuple[float, float] | None = None,
) -> str:
    """The routing file: the CRM's active owners as reps of one team in the "all" pool (as the demo
    builds them from the owner list), with weights and an open-lead capacity; L1 and L2 go to them.
    ``floor_cap``: the performance step's floor and cap, with a light prior (2 outcomes) so a rep's
    own record moves them (default: the shipped 0.5, 2.0 and 20)."""
    reps = "\n".join(
        f'[[reps]]\nowner_id = "{oid}"\nname = "{name}"\nrole = "ae"\nopen_capacity = {capacity}\n'
        f"weight = {WEIGHTS[i % len(WEIGHTS)]}\n" + ("active = false\n" if oid == inactive else "")
        for i, (oid, name) in enumerate(owners)
    )
    performance = (
        f"[performance]\nfloor = {floor_cap[0]}\ncap = {floor_cap[1]}\nprior = 2\n\n" if floor_cap else ""
    )
    return f'[pools]\nL1 = "all"\nL2 = "all"\n\n{performance}{reps}'


def shifted(value: Any, delta: timedelta) -> Any:
    """A record with every time in it (and in its nested records) moved by ``delta``."""
    if isinstance(value, datetime):
        return value + delta
    if is_dataclass(value) and not isinstance(value, type) and not isinstance(value, RecordRef):
        changes = {
            f.name: shifted(getattr(value, f.name), delta)
            for f in fields(value)
            if f.init and isinstance(getattr(value, f.name), datetime | Engagement)
        }
        return replace(value, **changes) if changes else value
    return value


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


@dataclass
class Lead:
    person: Person
    account: Account | None
    propensity: float  # the hidden truth this lead's outcome is drawn from
    created_at: datetime


@dataclass
class Sim:
    """One installation living through weeks of go-live (see the module's docstring)."""

    world: World
    sessions: Any
    redis: Any
    installation_id: int
    routing_text: str
    model: LeadModel
    rng: random.Random
    week: int = 0  # weeks played
    leads_per_week: int = 500
    blank: frozenset[str] = frozenset()  # Person fields arriving empty on new leads ("title")
    propensity_shift: float = 0.0  # added to the logit of new leads' hidden propensity
    stalled: set[str] = field(default_factory=set)  # reps who stopped working their leads
    performance: bool = False  # feed each rep's won/decided record to routing's performance step
    touches: list[tuple[datetime, int, str]] = field(default_factory=list)  # (when, decision id, rep)
    outcomes_due: list[tuple[datetime, NewOutcome, str | None, str]] = field(default_factory=list)
    record: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (rep, segment)
    decided: list[Example] = field(default_factory=list)  # the go-live outcomes, to retrain on

    @property
    def config(self) -> RoutingConfig:
        return load_routing(self.routing_text)

    @property
    def state(self) -> RedisRoutingState:
        return RedisRoutingState(self.redis, self.installation_id)

    def now(self) -> datetime:
        """Monday 06:00 after the last week played: when the weekly evaluation runs."""
        return GO_LIVE + timedelta(weeks=self.week, hours=6)

    def set_routing(self, text: str) -> None:
        self.routing_text = text
        with self.sessions.begin() as session:
            row = installations.get(session, self.installation_id)
            assert row is not None
            row.routing_toml = text

    def new_lead(self, index: int, created: datetime, scored: datetime) -> Lead:
        person, account, propensity = self.rng.choice(self.world.people)
        moved = shifted(person, scored - DEFAULT_ANCHOR)
        blanks = dict.fromkeys(self.blank)
        ref = RecordRef(CrmKind.HUBSPOT, str(self.world.seed), ObjectType.CONTACT, f"w{self.week}-{index}")
        lead = replace(moved, ref=ref, owner_id=None, created_at=created, **blanks)
        p = 1 / (1 + math.exp(-(logit(propensity) + self.propensity_shift)))
        return Lead(lead, shifted(account, scored - DEFAULT_ANCHOR) if account else None, p, created)

    def play(self, weeks: int = 1) -> None:
        for _ in range(weeks):
            start = GO_LIVE + timedelta(weeks=self.week)
            per_day = self.leads_per_week // 5
            for day in range(5):
                batch = start + timedelta(days=day, hours=BATCH_HOUR)
                created = sorted(
                    batch - timedelta(seconds=self.rng.randint(60, 10 * 3600)) for _ in range(per_day)
                )
                leads = [self.new_lead(day * per_day + i, c, batch) for i, c in enumerate(created)]
                self.score_and_route(leads, batch)
                self.work(batch + timedelta(hours=14))  # the next morning's work
            self.week += 1
            self.work(self.now())

    def score_and_route(self, leads: list[Lead], at: datetime) -> None:
        features = [person_features(x.person, x.account, ICP, at) for x in leads]
        scored = score_people([(x.person, x.account) for x in leads], ICP, self.model, at, features=features)
        config, state = self.config, self.state
        performance = dict(self.record) if self.performance else None
        touched: list[tuple[datetime, routing_log.StoredDecision, str]] = []  # first touches due
        with self.sessions.begin() as session:
            for lead, f, score in zip(leads, features, scored, strict=True):
                person = lead.person
                reasons = [[r.factor, r.contribution, r.text] for r in score.reasons]
                engaged = person.engagement.last_engaged_at
                inputs = {**f.model_row(), **filled_fields(person, lead.account)}  # as people_plan stores
                stored = new_score(
                    person.ref, person.version, score, reasons, score.model_version, at, engaged, inputs
                )
                scores.add(session, self.installation_id, stored)
                decision = None
                if score.verdict != Verdict.NEEDS_INFO:
                    target = routing_lead(person, f, score.tier, score.verdict)
                    if score.verdict == Verdict.SALES_READY:
                        decision = route_and_commit(target, config, state, at, performance=performance)
                    else:  # nurture or disqualified: a queue, decided before any counter is read
                        decision = route(target, config, Snapshot(week=week_key(at)), at)
                    row = routing_log.record(
                        session,
                        self.installation_id,
                        CONTACT,
                        person.ref.record_id,
                        decision,
                        decided_at=at,
                        probability=score.probability,
                        record_created_at=lead.created_at,
                    )
                    if decision.owner_id and decision.queue is None:
                        minutes = self.rng.lognormvariate(math.log(15), 0.6)
                        touched.append((at + timedelta(minutes=minutes), row, decision.owner_id))
                owner = decision.owner_id if decision and not decision.queue else None
                self.plan_outcome(lead, at, owner, segment_of(f.employees, config) or "")
            session.flush()  # the batch's rows, inserted together: their ids are known from here
            self.touches.extend((when, row.id, owner) for when, row, owner in touched)

    def plan_outcome(self, lead: Lead, at: datetime, owner: str | None, segment: str) -> None:
        """45% of leads reach a decided deal 2-8 weeks after scoring, won with the hidden propensity."""
        if self.rng.random() >= 0.45:
            return
        won = self.rng.random() < lead.propensity
        when = at + timedelta(days=self.rng.uniform(14, 56))
        outcome = NewOutcome(CONTACT, lead.person.ref.record_id, "won" if won else "lost", when)
        self.outcomes_due.append((when, outcome, owner, segment))
        self.decided.append(Example(lead.person, lead.account, won, when))

    def work(self, until: datetime) -> None:
        """Reps work the leads due by ``until`` (first touch; a stalled rep touches nothing); outcomes
        that happened by then reach leadq's store (the daily outcomes job)."""
        due = [t for t in self.touches if t[0] <= until and t[2] not in self.stalled]
        self.touches = [t for t in self.touches if t not in due]
        happened = [o for o in self.outcomes_due if o[0] <= until]
        self.outcomes_due = [o for o in self.outcomes_due if o[0] > until]
        state = self.state
        with self.sessions.begin() as session:
            open_ids = {r.id for r in routing_log.open_assignments(session, self.installation_id)}
            touched = {row_id: at for at, row_id, _ in due if row_id in open_ids}
            routing_log.mark_first_touch(session, touched)
            for _at, row_id, owner in due:
                if row_id in open_ids:
                    routing_log.set_status(session, row_id, DecisionStatus.WORKED)
                    state.release(owner)
            outcomes.upsert(session, self.installation_id, [o[1] for o in happened])
        for _when, outcome, owner, segment in happened:
            if owner:
                won, total = self.record.get((owner, segment), (0, 0))
                self.record[(owner, segment)] = (won + (outcome.kind == "won"), total + 1)

    def reroute_inactive(self) -> int:
        """The re-routing pass for a deactivated rep: each of their open leads routed again
        (``routing.service.reroute``), the new decision logged, the old one closed."""
        config, state, moved = self.config, self.state, 0
        at = self.now()
        with self.sessions.begin() as session:
            rows = routing_log.newest_open_assignments(session, self.installation_id)
        for row in rows:
            rep = config.rep(row.owner_id or "")
            if rep is None or rep.active:
                continue
            with self.sessions.begin() as session:
                newest = scores.newest_for(session, self.installation_id, [(CONTACT, row.record_id)])
                score = newest[(CONTACT, row.record_id)]
                assignment = Assignment(row.record_id, rep.owner_id, score.tier, row.decided_at, row.sla_due)
                lead = RoutingLead(
                    row.record_id, Tier(score.tier), Verdict(score.verdict), current_owner_id=rep.owner_id
                )
                _action, decision = reroute(assignment, rep.owner_id, lead, config, state, at)
                if decision is None or decision.owner_id is None:
                    continue
                routing_log.record(
                    session,
                    self.installation_id,
                    CONTACT,
                    row.record_id,
                    decision,
                    previous_owner_id=rep.owner_id,
                    decided_at=at,
                    probability=score.probability,
                    record_created_at=row.record_created_at,
                )
                routing_log.set_status(session, row.id, DecisionStatus.REROUTED)
                moved += 1
        return moved

    def retrain(self, since: datetime) -> str:
        """Train on the outcomes decided since ``since`` that leadq's store holds by now, save the
        model with its window and make it the champion; returns its version."""
        now = self.now()
        known = [e for e in self.decided if since <= e.decided_at <= now]
        version = f"m-week{self.week}"
        result = train_crm_model(known, ICP, version=version)
        assert result.model is not None, result.why
        ordered = sorted(known, key=lambda e: e.decided_at)
        with self.sessions.begin() as session:
            models_registry.save_version(
                session,
                self.installation_id,
                version,
                result.model.to_bytes(),
                dict(result.report),
                window_start=ordered[0].decided_at,
                window_end=ordered[-1].decided_at,
            )
            models_registry.promote(session, self.installation_id, version, "retrained on go-live outcomes")
        self.model = result.model
        return version


def start(
    sessions: Any, redis: Any, seed: int, *, leads_per_week: int = 500, routing: str | None = None
) -> Sim:
    """A new installation on ``sessions`` with the seed's model as its champion and its team
    (``routing``: the routing file, by default ``team_text`` of the seed's owners)."""
    w = world(seed)
    text = routing or team_text(w.owners)
    decided = sorted(e.decided_at for e in w.examples)
    with sessions.begin() as session:
        row = installations.upsert_installation(session, CrmKind.HUBSPOT, f"sim-{seed}")
        row.routing_toml = text
        models_registry.save_version(
            session,
            row.id,
            w.model.version,
            w.model.to_bytes(),
            dict(w.report),  # its held-out figures, as the product's retrain keeps them
            window_start=decided[0],
            window_end=decided[-1],
        )
        models_registry.promote(session, row.id, w.model.version, "first model")
        installation_id = row.id
    return Sim(
        w, sessions, redis, installation_id, text, w.model, random.Random(seed), leads_per_week=leads_per_week
    )


@dataclass(frozen=True)
class Outcome:
    """One evaluation by the beat job: what it raised and cleared, and every alarm open after it
    (kind, subject, cause), with the report it evaluated."""

    raised: list[str]
    cleared: list[str]
    open: list[tuple[str, str, str]]
    report: Any

    def kinds(self) -> set[str]:
        return {kind for kind, _subject, _cause in self.open}


def evaluate(sim: Sim, runtime: Any) -> Outcome:
    """The monitor beat job's evaluation of the simulated installation at ``sim.now()``, on the
    report the product builds (``workers.services.monitor.report_for``); no alarm webhook is set."""
    from storage import alarms
    from workers.services.alarms import evaluate_installation
    from workers.services.monitor import report_for

    reports: list[Any] = []

    def keep(rt: Any, installation_id: int, now: datetime) -> Any:
        reports.append(report_for(rt, installation_id, now))
        return reports[-1]

    result = evaluate_installation(runtime, sim.installation_id, sim.now(), build_report=keep)
    with sim.sessions() as session:
        rows = [(a.kind, a.subject, a.cause) for a in alarms.open_alarms(session, sim.installation_id)]
    return Outcome(result.raised, result.cleared, rows, reports[-1])
