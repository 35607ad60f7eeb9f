"""The routing vocabulary: reps, queues, the lead to route, the state snapshot, the decision."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from core.records import Tier, Verdict

STEPS = (
    "account_owner",
    "disqualified",
    "tier_pool",
    "territory",
    "availability",
    "capacity",
    "performance",
    "round_robin",
)


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time
    days: frozenset[int]  # 0 = Monday


@dataclass(frozen=True)
class Rep:
    owner_id: str
    name: str
    team: str = ""
    role: str = "ae"  # ae | sdr
    countries: frozenset[str] = frozenset()  # empty: any
    regions: frozenset[str] = frozenset()  # lower-case; empty: any
    industries: frozenset[str] = frozenset()  # canonical ICP industries; empty: any
    segments: frozenset[str] = frozenset()  # size segments; empty: any
    languages: frozenset[str] = frozenset()  # empty: any
    timezone: str = "UTC"
    hours: WorkingHours | None = None  # None: always on
    pto: tuple[tuple[date, date], ...] = ()  # inclusive date ranges
    weekly_capacity: int | None = None
    open_capacity: int | None = None
    weight: float = 1.0
    active: bool = True


@dataclass(frozen=True)
class Queue:
    key: str
    owner_id: str | None  # the CRM queue/owner id leads are parked on; None: leave the owner unset
    name: str


def _hubspot_labels() -> Mapping[Tier, str]:
    return {Tier.L1: "HOT", Tier.L2: "WARM", Tier.L3: "COLD", Tier.L4: "COLD"}


@dataclass(frozen=True)
class LeadObjectSettings:
    """The routing file's ``[pipeline_leads]``: HubSpot's Leads object (a pipeline lead).

    ``create``: leadq creates a Leads record when a contact becomes sales-ready and has no open lead.
    ``labels``: each tier's lead label, as the CRM stores it (the option's internal value)."""

    create: bool = False
    labels: Mapping[Tier, str] = field(default_factory=_hubspot_labels)

    def label_for(self, tier: Tier) -> str:
        return self.labels[tier]

    def label_problems(self, options: Iterable[str]) -> list[str]:
        """One message per tier whose label is not one of the CRM's lead label ``options`` (internal
        values, as the Leads object's label property lists them): to check a file when it is saved."""
        known = list(dict.fromkeys(options))
        listed = ", ".join(known) if known else "none"
        return [
            f"pipeline_leads.labels.{tier.value}: {label!r} is not a lead label in the CRM "
            f"(its labels: {listed})"
            for tier, label in self.labels.items()
            if label not in known
        ]


@dataclass(frozen=True)
class RoutingConfig:
    reps: tuple[Rep, ...]
    queues: Mapping[str, Queue]
    team_queues: Mapping[str, str]  # team -> queue key
    tier_pools: Mapping[str, str]  # "L1" -> "ae" | "sdr" | "nurture" | "all"
    steps: Mapping[str, bool]
    segments: tuple[tuple[str, int, int], ...]  # (name, min employees, max employees)
    sla_minutes: Mapping[str, int]  # tier -> minutes before reassignment
    disqualified_queue: str | None  # None: disqualified leads keep their owner
    nurture_queue: str | None
    fallback_queue: str
    performance_floor: float
    performance_cap: float
    performance_prior: float
    source_hash: str = ""
    pipeline_leads: LeadObjectSettings = field(default_factory=LeadObjectSettings)

    def rep(self, owner_id: str) -> Rep | None:
        return next((r for r in self.reps if r.owner_id == owner_id), None)


@dataclass(frozen=True)
class AccountMatch:
    account_id: str
    name: str | None = None
    domain: str | None = None
    website: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True)
class RoutingLead:
    record_id: str
    tier: Tier
    verdict: Verdict
    email_domain: str | None = None
    company_name: str | None = None
    website: str | None = None
    country: str | None = None
    region: str | None = None
    industry: str | None = None
    employees: int | None = None
    language: str | None = None
    current_owner_id: str | None = None


@dataclass(frozen=True)
class RepLoad:
    open: int = 0
    week: int = 0


@dataclass(frozen=True)
class Snapshot:
    """What the state store knew when the decision was made; the commit re-checks it."""

    week: str  # ISO week key, e.g. "2026-W48"
    loads: Mapping[str, RepLoad] = field(default_factory=dict)
    pool_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # pool -> rep -> assigned
    pool_versions: Mapping[str, int] = field(default_factory=dict)
    performance: Mapping[tuple[str, str], tuple[int, int]] = field(
        default_factory=dict
    )  # (rep, seg) -> (won, decided)


@dataclass(frozen=True)
class Decision:
    owner_id: str | None  # the rep (or queue owner) to assign; None: leave the owner as it is
    queue: str | None  # the queue key when parked
    rule: str  # account_owner | round_robin | queue | disqualified | nurture | keep_owner
    path: tuple[str, ...]  # the steps that chose, in plain words
    pool: str | None = None
    expected_version: int | None = None  # the pool version the round robin read
    caps: tuple[int | None, int | None] = (None, None)  # (open, weekly) limits to re-check at commit
    counts_toward_load: bool = False
    sla_due: datetime | None = None
    # The weighted round robin's view, for the fairness ledger: each candidate rep's effective weight
    # (configured weight x performance multiplier), and the chosen rep's multiplier (1.0 when the
    # performance step is off; None outside a weighted pool: account owner, queues, kept owners).
    weights: Mapping[str, float] = field(default_factory=dict)
    multiplier: float | None = None
    # The lead's size segment in a weighted pool ("" when its size is unknown; None elsewhere): the
    # performance step reads each rep's record per segment, and the routing log keeps it for that.
    segment: str | None = None

    @property
    def explanation(self) -> str:
        return "; ".join(self.path)
