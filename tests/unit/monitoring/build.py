"""Small monitoring inputs built from rows a test can read, with defaults for what it does not
care about."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from monitoring.frames import OPEN, InputSample, MonitorInput, RepFacts, RoutingLog, ScoredLeads, ScoreStream

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday: the newest full week is 2026-W49
THIS_WEEK = datetime(2026, 11, 30)  # its Monday (naive UTC)
NAT = np.datetime64("NaT", "s")


def t64(moment: datetime | str | None) -> np.datetime64:
    if moment is None:
        return NAT
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return np.datetime64(moment, "s")
    return np.datetime64(moment, "s")


def times(values: Sequence[datetime | str | None]) -> np.ndarray:
    return np.array([t64(v) for v in values], dtype="datetime64[s]")


def leads(rows: Sequence[Mapping[str, Any]]) -> ScoredLeads:
    """Rows of cohort, tier, probability (nan: rules), outcome, unseen (default True), priority,
    current (scored by the champion now scoring; not said: not known)."""
    cohort = times([r.get("cohort", "2026-11-02") for r in rows])
    outcome = np.array([r.get("outcome", OPEN) for r in rows], dtype=np.int8)
    return ScoredLeads(
        cohort=cohort,
        decisive=cohort,
        tier=np.array([r.get("tier", 1) for r in rows], dtype=np.int8),
        probability=np.array([r.get("probability", np.nan) for r in rows], dtype=np.float64),
        outcome=outcome,
        outcome_at=np.where(outcome == OPEN, NAT, cohort + np.timedelta64(3, "D")),
        unseen=np.array([r.get("unseen", True) for r in rows], dtype=bool),
        priority=np.array([r.get("priority", np.nan) for r in rows], dtype=np.float64),
        current_model=(
            np.array([r.get("current", True) for r in rows], dtype=bool)
            if any("current" in r for r in rows)
            else None
        ),
    )


def no_leads() -> ScoredLeads:
    return leads([])


def stream(
    scored_at: Sequence[datetime | str], tier: Sequence[int], priority: Sequence[float]
) -> ScoreStream:
    return ScoreStream(
        scored_at=times(scored_at),
        tier=np.array(tier, dtype=np.int8),
        priority=np.array(priority, dtype=np.float64),
        probability=np.full(len(tier), np.nan),
    )


def no_stream() -> ScoreStream:
    return stream([], [], [])


def routing(rows: Sequence[Mapping[str, Any]]) -> RoutingLog:
    """Rows of decided_at, created_at, first_touch_at, sla_due, owner, queue, pool, status,
    probability, multiplier, weights; what a row leaves out is unknown or empty."""

    def objects(key: str, default: object = None) -> np.ndarray:
        out = np.empty(len(rows), dtype=object)
        out[:] = [r.get(key, default) for r in rows]
        return out

    return RoutingLog(
        decided_at=times([r.get("decided_at", NOW - timedelta(days=1)) for r in rows]),
        created_at=times([r.get("created_at") for r in rows]),
        first_touch_at=times([r.get("first_touch_at") for r in rows]),
        sla_due=times([r.get("sla_due") for r in rows]),
        owner=objects("owner"),
        queue=objects("queue"),
        pool=objects("pool"),
        rule=objects("rule", "round robin"),
        status=objects("status", "assigned"),
        probability=np.array([r.get("probability", np.nan) for r in rows], dtype=np.float64),
        multiplier=np.array([r.get("multiplier", np.nan) for r in rows], dtype=np.float64),
        weights=[r.get("weights", {}) for r in rows],
    )


def week_sample(label: str, start: datetime, rows: Sequence[Mapping[str, object]]) -> InputSample:
    return InputSample(label, start, start + timedelta(weeks=1), rows, len(rows))


def monitor_input(**parts: Any) -> MonitorInput:
    """An installation with nothing in it, but for ``parts``."""
    fields: dict[str, Any] = {
        "now": NOW,
        "leads": no_leads(),
        "stream": no_stream(),
        "inputs": [],
        "routing": routing([]),
        "reps": [],
        "fallback_queues": frozenset(),
        "performance_floor": 0.8,
        "performance_cap": 1.25,
    }
    fields.update(parts)
    return MonitorInput(**fields)


def rep(owner_id: str, active: bool = True, **facts: Any) -> RepFacts:
    return RepFacts(
        owner_id=owner_id,
        name=facts.get("name", f"Rep {owner_id}"),
        weight=facts.get("weight", 1.0),
        active=active,
        open_capacity=facts.get("open_capacity"),
        weekly_capacity=facts.get("weekly_capacity"),
        open_leads=facts.get("open_leads", 0),
    )
