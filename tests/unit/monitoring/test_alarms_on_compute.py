"""Alarms on reports ``monitoring.compute.monitor`` computed: a realistic installation (the bench's
synthetic one) raises nothing over 12 seeds, and planted changes raise the matching alarm by name."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime

import numpy as np

from bench.monitor_compute_bench import synthetic_input
from monitoring.alarms import evaluate
from monitoring.compute import monitor
from monitoring.thresholds import DEFAULTS

N = 20_000


def test_no_alarm_on_twelve_unchanged_installations():
    fired = Counter(
        f.kind for seed in range(12) for f in evaluate(monitor(synthetic_input(N, seed), 1), DEFAULTS)
    )
    assert fired == Counter(), fired  # false alarms: 0 of 12 evaluations


def test_a_field_that_starts_arriving_empty_is_named():
    data = synthetic_input(N, seed=3)
    newest = data.inputs[-1]
    rng = np.random.default_rng(0)
    rows = [{**row, "job_title": None} if rng.random() < 0.64 else row for row in newest.rows]
    planted = dataclasses.replace(data, inputs=[*data.inputs[:-1], dataclasses.replace(newest, rows=rows)])
    found = {(f.kind, f.subject): f for f in evaluate(monitor(planted, 1), DEFAULTS)}
    alarm = found[("missing_rate", "job_title")]
    assert "'job_title' arrives empty: 2% -> 6" in alarm.cause and "2026-W49" in alarm.cause
    assert alarm.since == datetime(2026, 11, 30, tzinfo=UTC)
    assert {kind for kind, _ in found} <= {"missing_rate", "score_drift"}, found


def test_a_rep_made_inactive_with_leads_still_routed_is_named():
    data = synthetic_input(N, seed=5)
    owners = Counter(
        str(o) for o, s in zip(data.routing.owner, data.routing.status, strict=True) if s == "assigned"
    )
    gone = next(rep for rep in data.reps if rep.active and owners[rep.owner_id])
    reps = [dataclasses.replace(r, active=False) if r is gone else r for r in data.reps]
    found = {
        (f.kind, f.subject): f for f in evaluate(monitor(dataclasses.replace(data, reps=reps), 1), DEFAULTS)
    }
    alarm = found[("inactive_owner", gone.owner_id)]
    assert alarm.cause.startswith(f"{gone.name} is inactive but owns ")
    assert set(found) == {("inactive_owner", gone.owner_id)}
