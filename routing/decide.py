"""route(lead, config, snapshot, now) -> Decision: pure, deterministic, explained step by step.

Order: existing account ownership, disqualified leads, tier to pool, territory and
segment, availability, capacity, performance weighting, weighted round robin. Each
step can be switched off. When nobody qualifies, the lead is parked in the team's
queue with the reason, and its SLA timer starts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from core.records import Verdict
from routing.availability import availability
from routing.config import segment_of
from routing.matching import match_account
from routing.types import AccountMatch, Decision, Rep, RoutingConfig, RoutingLead, Snapshot


def _sla(lead: RoutingLead, config: RoutingConfig, now: datetime) -> datetime | None:
    minutes = config.sla_minutes.get(lead.tier.value)
    return now + timedelta(minutes=minutes) if minutes else None


def _queue(
    config: RoutingConfig,
    key: str | None,
    rule: str,
    path: list[str],
    lead: RoutingLead,
    now: datetime,
    sla: bool = False,
) -> Decision:
    if key is None:
        path.append("owner left as it is")
        return Decision(None, None, "keep_owner", tuple(path))
    queue = config.queues[key]
    path.append(f"parked in queue {queue.name!r}")
    return Decision(queue.owner_id, key, rule, tuple(path), sla_due=_sla(lead, config, now) if sla else None)


def _eligible_territory(rep: Rep, lead: RoutingLead, segment: str | None) -> bool:
    if rep.countries and (lead.country or "").upper() not in rep.countries:
        return False
    if rep.regions and (lead.region or "").lower() not in rep.regions:
        return False
    if rep.industries and (lead.industry or "").lower() not in rep.industries:
        return False
    if rep.segments and segment not in rep.segments:
        return False
    return not (rep.languages and lead.language and lead.language.lower() not in rep.languages)


def performance_multiplier(
    rep: Rep, segment: str | None, snapshot: Snapshot, config: RoutingConfig, team_rate: float | None
) -> float:
    """Smoothed win rate on this segment relative to the team's, clamped to [floor, cap]."""
    if team_rate is None or team_rate <= 0:
        return 1.0
    won, decided = snapshot.performance.get((rep.owner_id, segment or ""), (0, 0))
    prior = config.performance_prior
    smoothed = (won + prior * team_rate) / (decided + prior) if decided + prior > 0 else team_rate
    return max(config.performance_floor, min(config.performance_cap, smoothed / team_rate))


def _pool_words(pool: str, lead: RoutingLead, segment: str | None) -> str:
    bits = [b for b in (lead.country, (lead.industry or "").replace("_", " ") or None, segment) if b]
    return f"{pool.upper()} pool" + (f" for {' / '.join(bits)}" if bits else "")


def _account_owner(
    lead: RoutingLead,
    config: RoutingConfig,
    now: datetime,
    accounts: Sequence[AccountMatch],
    exclude: frozenset[str],
    path: list[str],
) -> Decision | None:
    """The owner of the lead's account when they can take it; else None, the reason on the path."""
    account, how = match_account(lead, accounts)
    if account is None or not account.owner_id:
        return None
    owner = config.rep(account.owner_id)
    name = account.name or account.domain or account.account_id
    on_pto = "PTO" in availability(owner, now)[1] if owner is not None else False
    if owner is not None and owner.active and not on_pto and owner.owner_id not in exclude:
        path.append(f"{name} already owned by {owner.name} (matched on {how})")
        return Decision(
            owner.owner_id,
            None,
            "account_owner",
            tuple(path),
            counts_toward_load=True,
            sla_due=_sla(lead, config, now),
        )
    who = owner.name if owner else f"owner {account.owner_id}"
    why = (
        "inactive"
        if owner is None or not owner.active
        else "being re-routed away from"
        if owner.owner_id in exclude
        else "on PTO"
    )
    path.append(f"{name} is owned by {who}, who is {why}: routing by the rules")
    return None


def _available(candidates: list[Rep], now: datetime, path: list[str]) -> list[Rep]:
    kept = []
    for rep in candidates:
        ok, why = availability(rep, now)
        if ok:
            kept.append(rep)
        else:
            path.append(why)
    return kept


def _under_capacity(candidates: list[Rep], snapshot: Snapshot, path: list[str]) -> list[Rep]:
    kept = []
    for rep in candidates:
        load = snapshot.loads.get(rep.owner_id)
        opened, weekly = (load.open, load.week) if load else (0, 0)
        if rep.open_capacity is not None and opened >= rep.open_capacity:
            path.append(f"{rep.name} at capacity {opened}/{rep.open_capacity} open")
        elif rep.weekly_capacity is not None and weekly >= rep.weekly_capacity:
            path.append(f"{rep.name} at weekly capacity {weekly}/{rep.weekly_capacity}")
        else:
            kept.append(rep)
    return kept


def _multipliers(
    candidates: list[Rep], segment: str | None, snapshot: Snapshot, config: RoutingConfig
) -> tuple[dict[str, float], float | None]:
    """Each rep's performance multiplier (1.0 each when that step is off or nothing is known), and the
    candidates' pooled win rate on the segment they were measured against (None: none)."""
    multipliers = {r.owner_id: 1.0 for r in candidates}
    team_rate = None
    if config.steps.get("performance", True) and snapshot.performance:
        totals = [snapshot.performance.get((r.owner_id, segment or ""), (0, 0)) for r in candidates]
        decided = sum(t[1] for t in totals)
        team_rate = sum(t[0] for t in totals) / decided if decided else None
        for rep in candidates:
            multipliers[rep.owner_id] = performance_multiplier(rep, segment, snapshot, config, team_rate)
    return multipliers, team_rate


def performance_words(
    rep: Rep,
    segment: str | None,
    snapshot: Snapshot,
    config: RoutingConfig,
    multiplier: float,
    team_rate: float | None,
) -> str | None:
    """The performance step's part of the explanation, in words; None when it left the rep at 1.0."""
    if team_rate is None or abs(multiplier - 1.0) < 5e-4:
        return None
    won, decided = snapshot.performance.get((rep.owner_id, segment or ""), (0, 0))
    how = "raised" if multiplier > 1.0 else "lowered"
    bound = (
        ", the cap"
        if multiplier == config.performance_cap
        else ", the floor"
        if multiplier == config.performance_floor
        else ""
    )
    leads = f"{segment} leads" if segment else "leads of unknown size"
    return (
        f"performance: {rep.name}'s weight {how} x{multiplier:.2f}{bound} "
        f"({won} of {decided} decided {leads} won; the eligible reps together {team_rate:.0%})"
    )


def _choose(
    candidates: list[Rep],
    weights: dict[str, float],
    counts: Mapping[str, int],
    config: RoutingConfig,
    path: list[str],
) -> Rep:
    if not config.steps.get("round_robin", True):
        path.append(f"{candidates[0].name} chosen (first eligible; round robin is off)")
        return candidates[0]
    # Weighted round robin by counts: the rep furthest below their weighted share goes next
    # (ties by configuration order), so shares converge to the weights and survive restarts.
    order = {r.owner_id: i for i, r in enumerate(config.reps)}
    chosen = min(
        candidates,
        key=lambda r: ((counts.get(r.owner_id, 0) + 1) / weights[r.owner_id], order[r.owner_id]),
    )
    path.append(
        f"{chosen.name} chosen by weighted round robin "
        f"({counts.get(chosen.owner_id, 0)} assigned in this pool, weight {weights[chosen.owner_id]:.2f})"
    )
    return chosen


def route(
    lead: RoutingLead,
    config: RoutingConfig,
    snapshot: Snapshot,
    now: datetime,
    accounts: Sequence[AccountMatch] = (),
    exclude: frozenset[str] = frozenset(),
) -> Decision:
    """Decide who gets the lead; ``exclude`` names reps it must not go to (it is being re-routed)."""
    steps = config.steps
    path: list[str] = []

    if steps.get("account_owner", True):
        owned = _account_owner(lead, config, now, accounts, exclude, path)
        if owned is not None:
            return owned

    if steps.get("disqualified", True) and lead.verdict == Verdict.DISQUALIFIED:
        path.append("disqualified: not given to a rep")
        return _queue(config, config.disqualified_queue, "disqualified", path, lead, now)

    pool = config.tier_pools.get(lead.tier.value, "all") if steps.get("tier_pool", True) else "all"
    if pool == "nurture":
        path.append(f"{lead.tier.value} lead goes to nurture")
        return _queue(config, config.nurture_queue, "nurture", path, lead, now)
    if steps.get("tier_pool", True) and lead.verdict == Verdict.NURTURE:
        # The verdict/tier matrix (README): only a sales-ready lead goes to a rep; a lead labelled
        # "nurture" is never assigned as if it were, whatever its tier's pool.
        path.append(f"{lead.tier.value} lead is not sales-ready: it goes to nurture, not to a rep")
        return _queue(config, config.nurture_queue, "nurture", path, lead, now)
    candidates = [r for r in config.reps if r.active and (pool == "all" or r.role == pool)]
    for rep in candidates:
        if rep.owner_id in exclude:
            path.append(f"{rep.name} excluded: the lead is being re-routed away from them")
    candidates = [r for r in candidates if r.owner_id not in exclude]
    segment = segment_of(lead.employees, config)
    if steps.get("territory", True):
        candidates = [r for r in candidates if _eligible_territory(r, lead, segment)]
    path.append(f"{_pool_words(pool, lead, segment)}: {len(candidates)} eligible")
    territory_team = Counter(r.team for r in candidates if r.team).most_common(1) or Counter(
        r.team for r in config.reps if r.team and lead.country and (lead.country or "").upper() in r.countries
    ).most_common(1)
    if steps.get("availability", True):
        candidates = _available(candidates, now, path)
    if steps.get("capacity", True):
        candidates = _under_capacity(candidates, snapshot, path)

    if not candidates:
        team = territory_team[0][0] if territory_team else None
        key = config.team_queues.get(team, config.fallback_queue) if team else config.fallback_queue
        path.append("nobody qualifies: SLA timer started")
        return _queue(config, key, "queue", path, lead, now, sla=True)

    multipliers, team_rate = _multipliers(candidates, segment, snapshot, config)
    # Each rep's configured weight, times their performance multiplier when that step is on.
    weights = {r.owner_id: r.weight * multipliers[r.owner_id] for r in candidates}
    chosen = _choose(candidates, weights, snapshot.pool_counts.get(pool, {}), config, path)
    words = performance_words(chosen, segment, snapshot, config, multipliers[chosen.owner_id], team_rate)
    if words is not None and steps.get("round_robin", True):  # the weights chose: say how they moved
        path.append(words)
    return Decision(
        chosen.owner_id,
        None,
        "round_robin",
        tuple(path),
        pool=pool,
        expected_version=snapshot.pool_versions.get(pool, 0),
        caps=(chosen.open_capacity, chosen.weekly_capacity) if steps.get("capacity", True) else (None, None),
        counts_toward_load=True,
        sla_due=_sla(lead, config, now),
        weights=weights,
        multiplier=multipliers[chosen.owner_id],
        segment=segment or "",
    )
