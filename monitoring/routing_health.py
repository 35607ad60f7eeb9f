"""Routing health from the routing log: how fast leads are assigned and then worked, how many park
in a fallback queue, SLA breaches, reassignments, the open leads of inactive reps, and each rep's
load against their capacity.

The window is the last 28 days of decisions (``WINDOW_DAYS``, by ``decided_at``), except the open
leads of inactive reps and the reps' open loads, which are today's state, and ``assigned_this_week``
(the ISO week holding ``now``). Percentiles are nearest-rank, in minutes; a negative span (a CRM
clock behind leadq's) counts as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from itertools import repeat

import numpy as np
import numpy.typing as npt

from monitoring.frames import MonitorInput, RepFacts, RoutingLog, Texts
from monitoring.report import Note, RepLoadRow, RoutingHealth, Times
from monitoring.stats import percentile
from monitoring.timeline import as_utc64, week_index, week_of

WINDOW_DAYS = 28
# storage.statuses.DecisionStatus values (monitoring may not import storage)
ASSIGNED, PARKED, WORKED = "assigned", "parked", "worked"
REROUTED, OVERRIDDEN, REFUSED = "rerouted", "overridden", "refused"
Flags = npt.NDArray[np.bool_]


def member(values: Texts, allowed: Iterable[str]) -> Flags:
    """Which entries of an object array of str/None are in ``allowed``."""
    wanted = frozenset(allowed)
    return np.fromiter(map(wanted.__contains__, values), np.bool_, len(values))


def span_times(start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]) -> Times:
    """p50 and p90 of end - start in minutes, over the pairs where both are known."""
    known = ~np.isnat(start) & ~np.isnat(end)
    minutes = np.maximum((end[known] - start[known]).astype(np.float64) / 60.0, 0.0)
    return Times(
        p50_minutes=percentile(minutes, 50), p90_minutes=percentile(minutes, 90), n=int(minutes.size)
    )


def owner_counts(owner: Texts, chosen: Flags, reps: Sequence[RepFacts]) -> dict[str, int]:
    """Per rep (by owner id), the chosen decisions owned by them."""
    index = {rep.owner_id: i for i, rep in enumerate(reps)}
    owners = owner[chosen]
    codes = np.fromiter(map(index.get, owners, repeat(-1)), np.int64, len(owners))
    counts = np.bincount(codes[codes >= 0], minlength=len(reps))
    return {rep.owner_id: int(counts[i]) for i, rep in enumerate(reps)}


def sla_breaches(log: RoutingLog, window: Flags, now: np.datetime64) -> int:
    """Decisions with an SLA that are still open past it at ``now`` (not yet worked, still assigned
    or parked) or were first worked after it."""
    due = ~np.isnat(log.sla_due) & window
    untouched = np.isnat(log.first_touch_at)
    still_open = untouched & member(log.status, (ASSIGNED, PARKED))
    late_open = still_open & (log.sla_due < now)
    late_touch = ~untouched & (log.first_touch_at > log.sla_due)
    return int(np.count_nonzero(due & (late_open | late_touch)))


def load_rows(data: MonitorInput) -> list[RepLoadRow]:
    log = data.routing
    this_week = (week_index(log.decided_at) == week_of(data.now)) & ~member(log.status, (REFUSED,))
    assigned = owner_counts(log.owner, this_week, data.reps)
    return [
        RepLoadRow(
            owner_id=rep.owner_id,
            name=rep.name,
            active=rep.active,
            open_leads=rep.open_leads,
            open_capacity=rep.open_capacity,
            assigned_this_week=assigned[rep.owner_id],
            weekly_capacity=rep.weekly_capacity,
        )
        for rep in data.reps
    ]


def routing_health(data: MonitorInput, notes: list[Note]) -> RoutingHealth:
    log = data.routing
    now = as_utc64(data.now)
    window = (log.decided_at > now - np.timedelta64(timedelta(days=WINDOW_DAYS))) & (log.decided_at <= now)
    decisions = int(np.count_nonzero(window))
    placed = window & ~member(log.status, (PARKED, REFUSED))
    fallback = window & member(log.queue, data.fallback_queues)
    # Parking in the nurture or disqualified queue is the intended route, not a lead nobody took.
    unqueued = np.fromiter((q is None for q in log.queue), np.bool_, len(log.queue))
    meant = (window & unqueued & ~member(log.status, (REFUSED,))) | fallback
    meant_for_reps = int(np.count_nonzero(meant))
    fresh = placed
    if data.installed_at is not None:  # the backfill's records were created long before leadq
        fresh = placed & (log.created_at >= as_utc64(data.installed_at))
    queues, per_queue = np.unique(log.queue[fallback].astype(str), return_counts=True)
    if decisions == 0:
        notes.append(
            Note(
                "routing_no_decisions",
                f"routing health: no routing decisions in the last {WINDOW_DAYS} days",
                {"days": WINDOW_DAYS},
            )
        )
    inactive = [rep for rep in data.reps if not rep.active]
    still_assigned = owner_counts(log.owner, member(log.status, (ASSIGNED,)), inactive)
    return RoutingHealth(
        created_to_assigned=span_times(log.created_at[fresh], log.decided_at[fresh]),
        assigned_to_first_touch=span_times(log.decided_at[placed], log.first_touch_at[placed]),
        decisions=decisions,
        parked_share=float(np.count_nonzero(fallback) / meant_for_reps) if meant_for_reps else None,
        parked_by_queue={str(q): int(c) for q, c in zip(queues, per_queue, strict=True)},
        sla_breaches=sla_breaches(log, window, now),
        reassignments=int(np.count_nonzero(window & member(log.status, (REROUTED, OVERRIDDEN)))),
        inactive_owner_leads={owner: n for owner, n in still_assigned.items() if n},
        load=load_rows(data),
        meant_for_reps=meant_for_reps,
        installed_at=data.installed_at,
    )
